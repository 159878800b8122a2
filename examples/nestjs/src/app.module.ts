import { Module } from "@nestjs/common";
import { InventoryController } from "./inventory.controller.js";
import { InventoryService } from "./inventory.service.js";
import { UpstreamClient } from "./upstream.client.js";

@Module({
  controllers: [InventoryController],
  providers: [InventoryService, UpstreamClient],
})
export class AppModule {}
