import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { AppError } from '../common/app-error';
import { BrowserAssets } from './browser-assets';

/** Customer pages may cache the loader a little; the dashboard revalidates every time. */
const WIDGET_CACHE = 'public, max-age=300';
const DASHBOARD_CACHE = 'no-cache';

/**
 * API.md §7b: the widget embed script and the dashboard page. Public: they hold
 * no secret, and the dashboard page signs in by itself (its API calls carry the
 * bearer token).
 */
@Public()
@ApiExcludeController()
@Controller()
export class BrowserController {
  constructor(private readonly assets: BrowserAssets) {}

  @Get('widget.js')
  async widget(@Headers('if-none-match') etag: string | undefined, @Res() reply: FastifyReply) {
    // Loaded by <script> from any site; the header also lets a page add SRI (crossorigin).
    reply.header('Access-Control-Allow-Origin', '*');
    await this.send(reply, this.assets.locations.widget(), WIDGET_CACHE, etag);
  }

  /** Where a person typing the service's address lands: the dashboard. */
  @Get()
  root(@Res() reply: FastifyReply) {
    return reply.redirect('/dashboard', 302);
  }

  @Get('dashboard')
  async dashboard(@Headers('if-none-match') etag: string | undefined, @Res() reply: FastifyReply) {
    await this.send(reply, this.assets.locations.dashboardPage(), DASHBOARD_CACHE, etag);
  }

  @Get('dashboard/:file')
  async dashboardFile(
    @Param('file') file: string,
    @Headers('if-none-match') etag: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const path = this.assets.locations.dashboardFile(file);
    await this.send(reply, path, DASHBOARD_CACHE, etag);
  }

  private async send(
    reply: FastifyReply,
    path: string | null,
    cacheControl: string,
    ifNoneMatch: string | undefined,
  ): Promise<void> {
    const asset = path ? await this.assets.load(path) : null;
    if (!asset) {
      throw AppError.notFound('not_found', 'No such file; the page may need a rebuild.');
    }
    reply.header('Cache-Control', cacheControl).header('ETag', asset.etag);
    if (ifNoneMatch === asset.etag) {
      await reply.status(304).send();
      return;
    }
    await reply.type(asset.contentType).send(asset.body);
  }
}
