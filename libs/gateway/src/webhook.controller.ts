import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import getRawBody from 'raw-body';
import type { WebhookKind } from '@ticketflow/zendesk';
import { WebhookService, type WebhookAnswer } from './webhook.service';

const SIGNED = [
  {
    name: 'x-zendesk-webhook-signature',
    description: 'base64 HMAC-SHA256 of timestamp + raw body',
    required: true,
  },
  {
    name: 'x-zendesk-webhook-signature-timestamp',
    description: 'ISO-8601 time the request was signed',
    required: true,
  },
];

@ApiTags('webhooks')
@Controller('webhooks/zendesk')
export class WebhookController {
  // Explicit tokens: no reliance on emitted decorator metadata (tsx/esbuild runs drop it).
  constructor(@Inject(WebhookService) private readonly webhooks: WebhookService) {}

  @Post('events')
  @HttpCode(200)
  @ApiOperation({ summary: 'Event-subscribed Zendesk webhook (zen:event-type:ticket.*)' })
  @ApiHeader(SIGNED[0]!)
  @ApiHeader(SIGNED[1]!)
  @ApiBody({
    description: 'Zendesk event envelope (account_id, id, type, subject, time, detail, event)',
    schema: { type: 'object' },
  })
  @ApiResponse({
    status: 200,
    description: 'accepted (in Kafka), duplicate (already accepted) or ignored (event type not used)',
  })
  @ApiResponse({
    status: 400,
    description:
      'not UTF-8 JSON, not a Zendesk ticket event, or values the topic contract refuses; body has the reason',
  })
  @ApiResponse({
    status: 401,
    description: 'signature missing, wrong, or timestamp outside the tolerance window',
  })
  @ApiResponse({
    status: 413,
    description: 'signed, but the body is larger than WEBHOOK_MAX_BYTES; the connection is closed',
  })
  @ApiResponse({ status: 503, description: 'Kafka did not acknowledge; Retry-After says when to retry' })
  events(@Req() req: Request, @Res() res: Response) {
    return this.receive('events', req, res);
  }

  @Post('trigger')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Trigger webhook with the recommended JSON body (README), carrying the requester email',
  })
  @ApiHeader(SIGNED[0]!)
  @ApiHeader(SIGNED[1]!)
  @ApiResponse({ status: 200, description: 'accepted or duplicate' })
  @ApiResponse({
    status: 400,
    description: 'not the recommended body, or values the topic contract refuses; the reason names the field',
  })
  @ApiResponse({ status: 401, description: 'bad signature' })
  @ApiResponse({ status: 413, description: 'signed, but larger than WEBHOOK_MAX_BYTES' })
  @ApiResponse({ status: 503, description: 'Kafka unavailable; retry after Retry-After' })
  trigger(@Req() req: Request, @Res() res: Response) {
    return this.receive('trigger', req, res);
  }

  private async receive(kind: WebhookKind, req: Request, res: Response) {
    // Unsigned or stale requests are refused before a byte of their body is read.
    const refused = this.webhooks.refuseBeforeBody(kind, req.headers);
    if (refused) return reply(res, refused);
    let raw: Buffer;
    try {
      // The raw bytes: the signature covers them exactly, so nothing parses the body before us.
      raw = await getRawBody(req, { limit: res.locals['maxBytes'] as number });
    } catch (error) {
      return reply(res, this.webhooks.unreadable(kind, error as Error));
    }
    // Not caught: a fault of ours is a 500 (Nest's filter), never a 400 that blames and loses the webhook.
    reply(res, await this.webhooks.handle(kind, raw, req.headers));
  }
}

function reply(res: Response, answer: WebhookAnswer) {
  res
    .status(answer.status)
    .set(answer.headers ?? {})
    .json(answer.body);
}
