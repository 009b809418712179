// The root module: configuration, authentication, database, and the route modules.
import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module.js';
import type { AuthOptions } from './auth/auth-options.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { CustomersModule } from './customers/customers.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthController } from './health/health.controller.js';
import { SecureController } from './secure/secure.controller.js';

export type AuthTuning = Partial<Pick<AuthOptions, 'keyStore' | 'dpop'>>;

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, auth: AuthTuning = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AuthModule.forRoot({
          issuer: config.issuer,
          audience: config.audience,
          jwksUri: config.jwksUri,
          ...auth,
          dpop: {
            mode: config.dpopMode ?? 'allowed',
            publicOrigin: config.apiPublicUrl,
            nonceSecret: config.dpopNonceSecret,
            ...auth.dpop,
          },
        }),
        DatabaseModule.forRoot(config),
        CustomersModule,
      ],
      controllers: [HealthController, SecureController],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
