import { DynamicModule, Module } from '@nestjs/common';
import { Settings } from '../config/settings';

/** Gateway emulators, mounted in sandbox mode only. */
@Module({})
export class SandboxModule {
  static forRoot(_settings: Settings): DynamicModule {
    return { module: SandboxModule, imports: [] };
  }
}
