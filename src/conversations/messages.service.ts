import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, Page, PageQuery, toPage } from '../common/pagination';
import type { MessageRole } from './chat-message.entity';
import { MessageResponse } from './conversations.dto';
import { scopeCanMatch, scopeSql, SessionScope, sessionNotFound, UUID } from './session-scope';

const MESSAGE_COLUMNS = `m.id, m.session_id AS "sessionId", m.role, m.content,
  m.created_at AS "createdAt"`;

interface SeqCursor {
  seq: string;
}

const isSeqCursor = (value: unknown): value is SeqCursor =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as SeqCursor).seq === 'string' &&
  /^\d{1,18}$/.test((value as SeqCursor).seq);

/** Messages of a session, always in the order they were written (oldest first). */
@Injectable()
export class MessagesService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds a message to a session in the scope, or 404 session_not_found. The message and
   * the session's messageCount/lastActivityAt change in one statement, hence in one
   * transaction; the UPDATE locks the session row first, so concurrent messages of one
   * session are numbered in the order they commit.
   */
  async post(
    scope: SessionScope,
    sessionId: string,
    role: MessageRole,
    content: string,
  ): Promise<MessageResponse> {
    if (!UUID.test(sessionId) || !scopeCanMatch(scope)) throw sessionNotFound();
    const params: unknown[] = [sessionId, role, content];
    const where = scopeSql(scope, params);
    const rows: MessageResponse[] = await this.dataSource.query(
      `WITH touched AS (
         UPDATE chat_sessions s
            SET message_count = s.message_count + 1,
                last_activity_at = GREATEST(s.last_activity_at, now())
          WHERE s.id = $1 AND ${where}
          RETURNING s.id
       ), m AS (
         INSERT INTO chat_messages (session_id, role, content, created_at)
         SELECT id, $2, $3, now() FROM touched
         RETURNING *
       )
       SELECT ${MESSAGE_COLUMNS} FROM m`,
      params,
    );
    if (rows.length === 0) throw sessionNotFound();
    return rows[0];
  }

  /** A page of the messages of a session in the scope (else 404), oldest first. */
  async list(
    scope: SessionScope,
    sessionId: string,
    page: PageQuery,
  ): Promise<Page<MessageResponse>> {
    const after = decodeCursor(page.cursor, isSeqCursor);
    if (!UUID.test(sessionId) || !scopeCanMatch(scope)) throw sessionNotFound();
    const params: unknown[] = [sessionId];
    const where = scopeSql(scope, params);
    const found: { id: string }[] = await this.dataSource.query(
      `SELECT s.id FROM chat_sessions s WHERE s.id = $1 AND ${where}`,
      params,
    );
    if (found.length === 0) throw sessionNotFound();
    const rows: (MessageResponse & { seq: string })[] = await this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS}, m.seq::text AS seq
         FROM chat_messages m
        WHERE m.session_id = $1 AND ($2::bigint IS NULL OR m.seq > $2::bigint)
        ORDER BY m.seq
        LIMIT $3`,
      [found[0].id, after?.seq ?? null, page.limit + 1],
    );
    return toPage(
      rows,
      page.limit,
      ({ seq: _, ...message }) => message,
      (row) => ({ seq: row.seq }),
    );
  }

  /** Every message of a session, oldest first (the dashboard's detail view). */
  allOf(sessionId: string): Promise<MessageResponse[]> {
    return this.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS} FROM chat_messages m WHERE m.session_id = $1 ORDER BY m.seq`,
      [sessionId],
    );
  }
}
