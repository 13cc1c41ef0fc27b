import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:isPublic';

/**
 * Metadata key (value `true`) of the routes that carry the widget guard. The
 * dashboard guard skips them: they are answered by their own guard, never
 * opened by the absence of a dashboard token.
 */
export const WIDGET_ROUTE = 'widget:route';

/** Opens a route to callers without a dashboard access token (deny by default). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
