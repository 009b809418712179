import { Module } from '@nestjs/common';
import { CustomersController } from './customers.controller.js';
import { CustomersRepository } from './customers.repository.js';

@Module({ controllers: [CustomersController], providers: [CustomersRepository] })
export class CustomersModule {}
