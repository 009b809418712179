// Opts a route or controller out of the global JWT guard. Everything else is protected.
import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'secure-api:public';
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
