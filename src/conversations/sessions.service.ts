import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { decodeCursor, Page, PageQuery, toPage } from '../common/pagination';
import { cursorTimeSql, isTimeCursor } from '../projects/time-cursor';
import { ChatSession } from './chat-session.entity';
import {
  ConversationIdentity,
  IdentityView,
  isStorable,
  toIdentityView,
} from './conversation-identity';
import {
  SessionDetailResponse,
  SessionHistoryItem,
  SessionResponse,
  VisitorKind,
} from './conversations.dto';
import { MessagesService } from './messages.service';
import { scopeCanMatch, scopeSql, SessionOwner, sessionNotFound, UUID } from './session-scope';

export interface NewSession {
  projectId: string;
  /** The request's Origin header, as the widget guard saw it. */
  origin: string | null;
  pageUrl: string | null;
  pageTitle: string | null;
  identity: ConversationIdentity;
}

export interface CreatedSession {
  sessionId: string;
  identity: IdentityView;
}

const SESSION_COLUMNS = `s.id, s.created_at AS "createdAt", s.last_activity_at AS "lastActivityAt",
  s.origin, s.page_url AS "pageUrl", s.page_title AS "pageTitle",
  s.message_count AS "messageCount", s.verified, s.user_id AS "userId",
  s.user_metadata AS "userMetadata", s.key_epoch AS "keyEpoch"`;

type SessionRow = Omit<SessionResponse, 'visitor'> &
  Pick<ChatSession, 'verified' | 'userId' | 'userMetadata'>;
type Cursored<T> = T & { cursorAt: string };

function toSessionResponse(row: SessionRow): SessionResponse {
  const { verified, userId, userMetadata, keyEpoch, ...session } = row;
  // Only a verified token identifies a visitor; a client-sent userId is shown as unverified.
  const kind = verified ? 'identified' : 'anonymous';
  return { ...session, visitor: { kind, verified, userId, userMetadata }, keyEpoch };
}

/** Widget sessions: started by the widget, listed per identity, read by project members. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(ChatSession) private readonly sessions: Repository<ChatSession>,
    private readonly messages: MessagesService,
  ) {}

  async create(input: NewSession): Promise<CreatedSession> {
    const { identity } = input;
    if (!isStorable(identity)) {
      throw AppError.validation([
        { field: 'userId', message: 'the identity must not contain NUL characters' },
      ]);
    }
    const result = await this.sessions.insert({
      projectId: input.projectId,
      origin: input.origin,
      pageUrl: input.pageUrl,
      pageTitle: input.pageTitle,
      verified: identity.verified,
      userId: identity.userId,
      userMetadata: identity.userMetadata,
      keyEpoch: identity.verified ? identity.keyEpoch : null,
    });
    const sessionId = (result.identifiers[0] as { id: string }).id;
    return { sessionId, identity: toIdentityView(identity) };
  }

  /**
   * One identity's history in a project, newest first. A caller without a userId (an
   * anonymous one that named none) has no history to show.
   */
  async history(
    projectId: string,
    owner: SessionOwner,
    page: PageQuery,
  ): Promise<Page<SessionHistoryItem>> {
    const after = decodeCursor(page.cursor, isTimeCursor);
    const scope = { projectId, owner };
    if (owner.userId === null || !scopeCanMatch(scope)) return { items: [], nextCursor: null };
    const params: unknown[] = [];
    const where = scopeSql(scope, params);
    const rows: Cursored<SessionHistoryItem>[] = await this.dataSource.query(
      `SELECT s.id, s.created_at AS "createdAt", s.last_activity_at AS "lastActivityAt",
              s.page_url AS "pageUrl", s.message_count AS "messageCount",
              ${cursorTimeSql('s.created_at')} AS "cursorAt"
         FROM chat_sessions s
        WHERE ${where} ${this.beforeCursor(after, params)}
        ORDER BY s.created_at DESC, s.id DESC
        LIMIT ${page.limit + 1}`,
      params,
    );
    return toPage(
      rows,
      page.limit,
      ({ cursorAt: _, ...item }) => item,
      (row) => ({ at: row.cursorAt, id: row.id }),
    );
  }

  /** Every session of a project, newest first; `visitor` keeps one kind. */
  async listForProject(
    projectId: string,
    visitor: VisitorKind | undefined,
    page: PageQuery,
  ): Promise<Page<SessionResponse>> {
    const after = decodeCursor(page.cursor, isTimeCursor);
    const params: unknown[] = [];
    const where = scopeSql({ projectId, owner: null }, params);
    const kind =
      visitor === undefined
        ? ''
        : `AND s.verified = ${visitor === 'identified' ? 'true' : 'false'}`;
    const rows: Cursored<SessionRow>[] = await this.dataSource.query(
      `SELECT ${SESSION_COLUMNS}, ${cursorTimeSql('s.created_at')} AS "cursorAt"
         FROM chat_sessions s
        WHERE ${where} ${kind} ${this.beforeCursor(after, params)}
        ORDER BY s.created_at DESC, s.id DESC
        LIMIT ${page.limit + 1}`,
      params,
    );
    return toPage(
      rows,
      page.limit,
      ({ cursorAt: _, ...row }) => toSessionResponse(row),
      (row) => ({ at: row.cursorAt, id: row.id }),
    );
  }

  /** One session of a project with all its messages, oldest first (dashboard). */
  async detail(projectId: string, sessionId: string): Promise<SessionDetailResponse> {
    if (!UUID.test(sessionId)) throw sessionNotFound();
    const params: unknown[] = [sessionId];
    const where = scopeSql({ projectId, owner: null }, params);
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT ${SESSION_COLUMNS} FROM chat_sessions s WHERE s.id = $1 AND ${where}`,
      params,
    );
    if (rows.length === 0) throw sessionNotFound();
    const messages = await this.messages.allOf(rows[0].id);
    return { ...toSessionResponse(rows[0]), messages };
  }

  /** Keyset condition for "older than the cursor" in (created_at, id) DESC order. */
  private beforeCursor(after: { at: string; id: string } | null, params: unknown[]): string {
    if (!after) return '';
    params.push(after.at, after.id);
    const at = params.length - 1;
    return `AND (s.created_at, s.id) < ($${at}::timestamptz, $${at + 1}::uuid)`;
  }
}
