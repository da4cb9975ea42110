import { Controller, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminKeyGuard, RUNTIME } from '@ticketflow/service';
import type { EnrichmentRuntime } from './enrichment.runtime';

@ApiTags('admin')
@UseGuards(AdminKeyGuard)
@Controller('admin')
export class AdminController {
  constructor(@Inject(RUNTIME) private readonly runtime: EnrichmentRuntime) {}

  /** Runs a reconciliation pass now (waits for a running one). */
  @Post('reconcile')
  reconcile() {
    return this.runtime.reconcile();
  }
}
