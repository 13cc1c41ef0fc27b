import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from './metrics.service';

/** What node-postgres' Pool counts (TypeORM's postgres driver keeps it as `master`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The database pool's connections, read at scrape time (nothing runs between scrapes). */
@Injectable()
export class DatabasePoolMetrics {
  constructor(dataSource: DataSource, metrics: MetricsService) {
    const pool = (): PoolCounts | undefined =>
      (dataSource.driver as unknown as { master?: PoolCounts }).master;
    const gauge = (name: string, help: string, read: (p: PoolCounts) => number): void => {
      new Gauge({
        name,
        help,
        registers: [metrics.registry],
        collect() {
          const counts = pool();
          this.set(counts ? read(counts) : 0);
        },
      });
    };
    gauge(
      'database_pool_connections',
      'Connections the database pool holds open',
      (p) => p.totalCount,
    );
    gauge('database_pool_idle_connections', 'Pool connections open and unused', (p) => p.idleCount);
    gauge(
      'database_pool_waiting_requests',
      'Queries waiting for a pool connection (all connections busy)',
      (p) => p.waitingCount,
    );
  }
}
