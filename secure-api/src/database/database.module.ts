// Provides the CustomersRepository of the configured database (PostgreSQL when DATABASE_URL
// is set, else SQLite), migrated before the app serves; purges expired idempotency keys
// hourly; closes the database when the app shuts down.
import {
  type DynamicModule,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CustomersRepository } from '../customers/customers.repository.js';
import { keysExpiredBefore } from '../customers/idempotency-key.js';
import { type DatabaseConfig, openRepository } from './open-repository.js';

const PURGE_INTERVAL_MS = 60 * 60 * 1000;

@Module({})
export class DatabaseModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly repository: CustomersRepository) {}

  static forRoot(config: DatabaseConfig): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: CustomersRepository,
          useFactory: () => openRepository(config, new Logger('Database')),
        },
      ],
      exports: [CustomersRepository],
    };
  }

  onApplicationBootstrap(): void {
    const purge = (): void => {
      this.repository.purgeExpiredKeys(keysExpiredBefore(new Date())).then(
        (count) => {
          if (count > 0) this.logger.log({ msg: 'expired idempotency keys purged', count });
        },
        () => undefined, // logged by the repository; the next run retries
      );
    };
    purge();
    this.purgeTimer = setInterval(purge, PURGE_INTERVAL_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.purgeTimer);
    await this.repository.close();
  }
}
