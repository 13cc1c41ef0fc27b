import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { AppError } from '../common/app-error';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness and database reachability; 503 when the database is down' })
  @ApiOkResponse({
    description: 'Up, and the database answers.',
    schema: {
      type: 'object',
      required: ['status', 'database'],
      additionalProperties: false,
      properties: { status: { enum: ['ok'] }, database: { enum: ['up'] } },
    },
  })
  async check(): Promise<{ status: 'ok'; database: 'up' }> {
    try {
      await this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
    } catch {
      throw AppError.unavailable('The database is unreachable.');
    }
    return { status: 'ok', database: 'up' };
  }
}
