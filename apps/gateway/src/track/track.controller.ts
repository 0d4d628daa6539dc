import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CustomerConfig } from '@tracking/customers';
import { ApiTokenGuard } from '../auth/api-token.guard';
import { AuthenticatedCustomer } from '../auth/authenticated-customer';
import { TrackService, type TrackResponse } from './track.service';

@Controller('api/v1/track')
@UseGuards(ApiTokenGuard)
export class TrackController {
  constructor(private readonly track: TrackService) {}

  @Post()
  @HttpCode(200)
  trackOne(@Body() body: unknown, @AuthenticatedCustomer() customer: CustomerConfig, @Req() request: FastifyRequest): Promise<TrackResponse> {
    return this.track.trackOne(body, customer, {
      clientIp: request.ip ?? null,
      userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : null,
    });
  }
}
