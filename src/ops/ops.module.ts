import { Module } from '@nestjs/common';
import { OpsController } from './ops.controller';

/** The ops console at /ops: served in every mode; it reads the ops API with the user's key. */
@Module({ controllers: [OpsController] })
export class OpsModule {}
