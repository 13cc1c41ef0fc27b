import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { WidgetCallerInfo } from '../core/widget-caller';
import { WidgetAccessGuard } from './widget-access.guard';
import { widgetCallerOf } from '../core/widget-caller';

/**
 * Metadata key (value `true`) of every route the widget guard protects. The app's dashboard
 * guard skips such routes; it spells the same string (src/auth/public.decorator.ts,
 * WIDGET_ROUTE) because the guard package must not import the app's auth.
 */
export const WIDGET_ROUTE = 'widget:route';

/** Marks a route as a widget route without guarding it (the CORS preflight route). */
export const WidgetRoute = (): MethodDecorator & ClassDecorator => SetMetadata(WIDGET_ROUTE, true);

/**
 * Protects a controller or handler with the widget guard (API.md §6). The route must have a
 * `:projectId` parameter; read the caller with `@WidgetCaller()`.
 */
export function WidgetEndpoint(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    WidgetRoute(),
    UseGuards(WidgetAccessGuard),
    ApiHeader({
      name: 'Authorization',
      required: false,
      description:
        '`Bearer <widgetToken>`: an HS256 JWT signed with the project secret key. Required ' +
        'when the project requires tokens; validated whenever sent.',
    }),
    ApiHeader({
      name: 'Origin',
      required: false,
      description: 'Must match the allowed origins unless the list is empty.',
    }),
    ApiNotFoundResponse({ description: 'project_not_found: unknown, deleted or malformed id.' }),
    ApiForbiddenResponse({
      description:
        'origin_not_allowed: the Origin header is missing, `null` or not in the list; the ' +
        'answer still echoes Access-Control-Allow-Origin so the widget can read it.',
    }),
    ApiUnauthorizedResponse({
      description:
        'token_required, token_malformed, token_signature_invalid, token_key_rotated, ' +
        'token_claims_invalid, token_expired, token_not_yet_valid, secret_key_exposed; with ' +
        'WWW-Authenticate.',
    }),
    ApiServiceUnavailableResponse({
      description: 'service_unavailable: the security settings cannot be read (Retry-After).',
    }),
    ApiTooManyRequestsResponse({
      description:
        'rate_limited: over a widget rate limit (Retry-After), when the app binds one: of the ' +
        'client address for every request, unknown ids included, then of the address and ' +
        'project; readable cross-origin like the 403.',
    }),
  );
}

/** What the guard established about the caller of a widget route. */
export type WidgetCaller = WidgetCallerInfo;

/**
 * The caller of a `@WidgetEndpoint()` route. Throws (500) when the guard did not run: a
 * route that reads it without the guard is a bug, never an anonymous caller.
 */
export const WidgetCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): WidgetCaller => {
    const caller = widgetCallerOf(context.switchToHttp().getRequest<object>());
    if (!caller) {
      throw new Error(
        '@WidgetCaller() read on a route without @WidgetEndpoint(): the widget guard did not run.',
      );
    }
    return caller;
  },
);
