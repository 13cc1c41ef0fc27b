import { Module } from '@nestjs/common';
import { BrowserAssets } from './browser-assets';
import { BrowserController } from './browser.controller';

/** Browser artefacts (API.md §7b): GET /widget.js and the dashboard page under /dashboard. */
@Module({
  controllers: [BrowserController],
  providers: [BrowserAssets],
})
export class BrowserModule {}
