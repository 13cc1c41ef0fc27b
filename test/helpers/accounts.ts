import type { TestApp } from './test-app';

/** What `ctx().http()` returns: one supertest wrapper around the app's server. */
export type Http = ReturnType<TestApp['http']>;

export type MemberRole = 'admin' | 'viewer';

export interface UserBody {
  id: string;
  email: string;
  name: string | null;
  createdAt: string;
}

export interface Account {
  user: UserBody;
  accessToken: string;
  /** The email as sent (the stored one is lower-cased). */
  email: string;
  password: string;
}

export interface ProjectBody {
  id: string;
  name: string;
  role: 'owner' | MemberRole;
  createdAt: string;
  updatedAt: string;
}

export interface MemberBody {
  userId: string;
  email: string;
  name: string | null;
  role: 'owner' | MemberRole;
  addedAt: string;
}

export const TEST_PASSWORD = 'correct horse battery staple';

let counter = 0;

/** An email no other test (file, process or run) uses. */
export function uniqueEmail(label = 'user'): string {
  counter += 1;
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  return `${label}-${run}-${counter}@example.com`;
}

/** The header that authenticates a dashboard request: `.set(bearer(token))`. */
export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

function expectStatus(res: { status: number; body: unknown }, status: number, what: string): void {
  if (res.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Signs up a fresh account (unique email unless overridden) and returns its token. */
export async function signUp(
  http: Http,
  overrides: { email?: string; password?: string; name?: string } = {},
): Promise<Account> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? TEST_PASSWORD;
  const body: Record<string, string> = { email, password };
  if (overrides.name !== undefined) body.name = overrides.name;
  const res = await http.post('/api/v1/auth/signup').send(body);
  expectStatus(res, 201, 'signUp');
  return { user: res.body.user, accessToken: res.body.accessToken, email, password };
}

export async function createProject(
  http: Http,
  token: string,
  name = 'Test project',
): Promise<ProjectBody> {
  const res = await http.post('/api/v1/projects').set(bearer(token)).send({ name });
  expectStatus(res, 201, 'createProject');
  return res.body;
}

export async function addMember(
  http: Http,
  token: string,
  projectId: string,
  email: string,
  role: MemberRole,
): Promise<MemberBody> {
  const res = await http
    .post(`/api/v1/projects/${projectId}/members`)
    .set(bearer(token))
    .send({ email, role });
  expectStatus(res, 201, 'addMember');
  return res.body;
}

export interface ProjectTeam {
  project: ProjectBody;
  owner: Account;
  admin: Account;
  viewer: Account;
  /** Signed up, but not a member of the project. */
  stranger: Account;
}

/** A project with one account in each role, and one account outside it. */
export async function createProjectTeam(http: Http, name = 'Team project'): Promise<ProjectTeam> {
  const [owner, admin, viewer, stranger] = await Promise.all([
    signUp(http),
    signUp(http),
    signUp(http),
    signUp(http),
  ]);
  const project = await createProject(http, owner.accessToken, name);
  await addMember(http, owner.accessToken, project.id, admin.email, 'admin');
  await addMember(http, owner.accessToken, project.id, viewer.email, 'viewer');
  return { project, owner, admin, viewer, stranger };
}
