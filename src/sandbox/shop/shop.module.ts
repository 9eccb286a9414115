import { Module } from '@nestjs/common';
import { ShopController } from './shop.controller';
import { ShopStorefrontClient } from './storefront.client';

/** The demo checkout under /sandbox/shop (sandbox mode only, mounted by SandboxModule). */
@Module({
  controllers: [ShopController],
  providers: [ShopStorefrontClient],
})
export class ShopModule {}
