import { Body, Controller, Delete, Get, HttpCode, Inject, Injectable, Post, Req, Res, UseGuards, UseInterceptors, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiCookieAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { ApiError, RequestBody } from '@tracking/http';
import { AuditInterceptor } from '../audit/audit.interceptor';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import type { GatewayRequest } from '../http/gateway-request';
import { JsonBodyGuard } from '../http/json-body.guard';
import { RateLimiter } from '../rate-limit/rate-limiter';
import { ConsoleSessionGuard } from './console-access.guards';
import { SESSION_COOKIE, clearedCookies, isLoopbackHost, sessionCookies } from './console-cookies';
import { sessionAnswer, type ConsoleSessionAnswer } from './console-session';
import { ConsoleSessionService, type SignInRequest } from './console-session.service';

const SECRET = Type.String({ minLength: 1, maxLength: 512 });

export const SignInSchema = Type.Object(
  {
    customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The customer (tenant) whose token follows' })),
    token: Type.Optional({ ...SECRET, description: "One of the customer's API tokens with the read scope" }),
    operator_token: Type.Optional({ ...SECRET, description: 'TRACKING_ADMIN_TOKEN, for an operator session' }),
  },
  { additionalProperties: false },
);
type SignInBody = Static<typeof SignInSchema>;

function credentialsOf(body: SignInBody): SignInRequest {
  if (body.operator_token !== undefined && body.customer_id === undefined && body.token === undefined) return { operatorToken: body.operator_token };
  if (body.operator_token === undefined && body.customer_id !== undefined && body.token !== undefined) return { customerId: body.customer_id, token: body.token };
  throw ApiError.invalid([{ field: 'body', reason: 'must hold either customer_id and token, or operator_token' }], 'sign-in');
}

const SESSION_ANSWER = {
  schema: {
    type: 'object',
    required: ['role', 'scopes', 'csrf_token'],
    properties: {
      role: { type: 'string', enum: ['customer', 'operator'] },
      customer_id: { type: 'string', description: 'Only for a customer session' },
      scopes: { type: 'array', items: { type: 'string', enum: ['ingest', 'read', 'admin'] } },
      csrf_token: { type: 'string', description: 'Send it back as X-CSRF-Token on every state-changing call (also in the console_csrf cookie)' },
    },
  },
};

/** Every sign-in attempt from one address counts, right or wrong (CONSOLE_SIGN_IN_RATE_LIMIT_PER_MINUTE). */
@Injectable()
export class ConsoleSignInRateLimitGuard implements CanActivate {
  constructor(
    private readonly limiter: RateLimiter,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'console'>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    await this.limiter.enforceConsoleSignIn(http.getRequest<GatewayRequest>(), http.getResponse<FastifyReply>(), this.config.console.signInPerMinute);
    return true;
  }
}

/**
 * The web console's session (issue 21): sign in with a customer token that has the read scope or
 * with the operators' token, get an HttpOnly session cookie and a CSRF token; sign out.
 */
@ApiTags('console')
@Controller('console/api/session')
@UseInterceptors(AuditInterceptor)
export class ConsoleSessionController {
  constructor(private readonly sessions: ConsoleSessionService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in to the console',
    description:
      'Sets the console_session cookie (HttpOnly, SameSite=Strict, Secure except on localhost) and the console_csrf cookie. Wrong credentials of any kind get the same 401; a token without the read scope gets 403. Attempts are rate limited per client address.',
  })
  @ApiResponse({ status: 200, ...SESSION_ANSWER })
  @RequestBody(SignInSchema, { subject: 'sign-in' })
  @UseGuards(ConsoleSignInRateLimitGuard, JsonBodyGuard)
  async signIn(@Body() body: SignInBody, @Req() request: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ConsoleSessionAnswer> {
    const { sessionId, session } = await this.sessions.signIn(credentialsOf(body));
    request.auditActor = session.role === 'operator' ? 'operator:console' : 'console_customer';
    reply.header('Set-Cookie', sessionCookies(sessionId, session.csrfToken, { secure: !isLoopbackHost(request.headers.host), maxAgeSeconds: this.sessions.maxAgeSeconds }));
    reply.header('Cache-Control', 'no-store');
    return sessionAnswer(session);
  }

  @Get()
  @ApiOperation({ summary: 'The signed-in console session, or 401' })
  @ApiCookieAuth(SESSION_COOKIE)
  @ApiResponse({ status: 200, ...SESSION_ANSWER })
  @UseGuards(ConsoleSessionGuard)
  current(@Req() request: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply): ConsoleSessionAnswer {
    reply.header('Cache-Control', 'no-store');
    return sessionAnswer(this.sessionOf(request));
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: the session ends on the server and both cookies are cleared' })
  @ApiCookieAuth(SESSION_COOKIE)
  @ApiHeader({ name: 'X-CSRF-Token', required: true })
  @UseGuards(ConsoleSessionGuard)
  async signOut(@Req() request: GatewayRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.signOut(this.sessionOf(request));
    reply.header('Set-Cookie', clearedCookies(!isLoopbackHost(request.headers.host)));
  }

  private sessionOf(request: GatewayRequest): NonNullable<GatewayRequest['consoleSession']> {
    if (!request.consoleSession) throw new Error('console session route without ConsoleSessionGuard');
    return request.consoleSession;
  }
}
