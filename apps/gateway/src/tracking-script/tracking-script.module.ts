import { Module } from '@nestjs/common';
import { TrackingScriptController } from './tracking-script.controller';
import { TrackingScriptStore } from './tracking-script.store';

/** GET /js/tracking.js and /js/v<version>/tracking.min.js: the browser SDK bundle, served by the gateway it reports to. */
@Module({
  controllers: [TrackingScriptController],
  providers: [TrackingScriptStore],
  // The console's keys page shows the site snippet with this release's URL and integrity.
  exports: [TrackingScriptStore],
})
export class TrackingScriptModule {}
