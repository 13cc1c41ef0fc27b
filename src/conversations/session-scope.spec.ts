import { scopeSql } from './session-scope';

const PROJECT = '00000000-0000-4000-8000-000000000001';

function sql(owner: Parameters<typeof scopeSql>[0]['owner']): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  return { where: scopeSql({ projectId: PROJECT, owner }, params), params };
}

describe(scopeSql.name, () => {
  it('limits a dashboard member to the project only', () => {
    expect(sql(null)).toEqual({ where: 's.project_id = $1', params: [PROJECT] });
  });

  it('limits a named caller to its verified flag and userId', () => {
    expect(sql({ verified: false, userId: 'alice' })).toEqual({
      where: 's.project_id = $1 AND s.verified = $2 AND s.user_id = $3',
      params: [PROJECT, false, 'alice'],
    });
  });

  it('limits a caller naming nobody to sessions started with no userId (API.md §6)', () => {
    expect(sql({ verified: false, userId: null })).toEqual({
      where: 's.project_id = $1 AND s.verified = $2 AND s.user_id IS NULL',
      params: [PROJECT, false],
    });
  });
});
