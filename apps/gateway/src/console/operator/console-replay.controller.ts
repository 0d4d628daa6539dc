import { Body, Controller, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { ApiError, AuditRows, RequestBody } from '@tracking/http';
import { AuditInterceptor } from '../../audit/audit.interceptor';
import { JsonBodyGuard } from '../../http/json-body.guard';
import { ConsoleOperatorGuard } from '../console-access.guards';
import { SESSION_COOKIE } from '../console-cookies';
import { ConsoleReplayService, REPLAYABLE_SERVICES, type ReplayAnswer } from './console-replay.service';

export const ReplaySchema = Type.Object(
  {
    services: Type.Array(Type.Union(REPLAYABLE_SERVICES.map((name) => Type.Literal(name))), { minItems: 1, uniqueItems: true, description: 'The consuming services whose groups go back' }),
    from: Type.String({ minLength: 10, maxLength: 40, description: 'ISO 8601 time on the log (when the gateway received the events), in the past' }),
    dry_run: Type.Boolean({ description: 'true: show the plan and move nothing' }),
  },
  { additionalProperties: false },
);
type ReplayBody = Static<typeof ReplaySchema>;

/** An ISO 8601 date-time; Date.parse alone would also accept "5" or "March 3". */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Operators only (issue 21, page 9): the CLI's replay with its dry run, from the console. */
@ApiTags('console')
@ApiCookieAuth(SESSION_COOKIE)
@ApiBearerAuth()
@Controller('console/api/replay')
@UseInterceptors(AuditInterceptor)
export class ConsoleReplayController {
  constructor(private readonly replays: ConsoleReplayService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Operators only: move consuming services' groups back to a time on the log, or show first what that would do (dry_run)",
    description:
      "Per service and partition: the committed offset, the target (Kafka's offsetsForTimes for `from`), the records read again, and what the service does with them. A real run is `tracking replay <service> --from <time>`: it needs the services stopped (their groups without members) and answers 409 CONFLICT, moving nothing, while any is running. An operator console session (with X-CSRF-Token) or TRACKING_ADMIN_TOKEN as bearer token.",
  })
  @ApiHeader({ name: 'X-CSRF-Token', required: false, description: 'Required with a console session' })
  @ApiResponse({ status: 200, description: 'The plan (dry run) or the plan applied (moved: true)' })
  @ApiResponse({ status: 409, description: 'A named service is running: nothing moved' })
  @RequestBody(ReplaySchema, { subject: 'replay' })
  @UseGuards(ConsoleOperatorGuard, JsonBodyGuard)
  @AuditRows((answer: ReplayAnswer) => answer.services.length)
  replay(@Body() body: ReplayBody): Promise<ReplayAnswer> {
    const at = ISO_TIME.test(body.from) ? Date.parse(body.from) : Number.NaN;
    if (Number.isNaN(at)) throw ApiError.invalid([{ field: 'from', reason: 'must be an ISO 8601 date-time with its zone, e.g. 2026-12-07T10:00:00Z' }], 'replay');
    if (at > Date.now()) throw ApiError.invalid([{ field: 'from', reason: 'must not be in the future: a replay reads records again' }], 'replay');
    return this.replays.replay(body.services, new Date(at), body.dry_run);
  }
}
