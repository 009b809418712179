import { Module } from '@nestjs/common';
import { CustomersController } from './customers.controller.js';

// The repository comes from the global DatabaseModule (SQLite or PostgreSQL).
@Module({ controllers: [CustomersController] })
export class CustomersModule {}
