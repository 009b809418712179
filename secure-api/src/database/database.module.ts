// Provides the app's single SQLite connection and closes it when the app shuts down.
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { openDatabase, type SqliteDatabase } from './database.js';

export const DATABASE = Symbol('DATABASE');

@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly db: SqliteDatabase) {}

  static forRoot(path: string): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [{ provide: DATABASE, useFactory: () => openDatabase(path) }],
      exports: [DATABASE],
    };
  }

  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}
