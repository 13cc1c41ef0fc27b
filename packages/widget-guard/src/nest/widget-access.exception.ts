import { HttpException } from '@nestjs/common';
import type { WidgetDenied } from '../core/widget-access.decision';

/**
 * A refusal of the widget guard. Its body names the contract's error code; the app's
 * exception filter keeps it (widget-access does not know the app's own error type).
 */
export class WidgetAccessException extends HttpException {
  constructor(readonly denial: Pick<WidgetDenied, 'status' | 'code' | 'message'>) {
    super({ statusCode: denial.status, code: denial.code, message: denial.message }, denial.status);
  }
}
