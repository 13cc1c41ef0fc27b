import { lastForwardedHop, projectIdInUri, readGatewayRequest } from './gateway-request';

const ID = '5b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2f';

describe(projectIdInUri.name, () => {
  it.each([
    [`/api/v1/widget/${ID}/config`, ID],
    [`/api/v1/widget/${ID}`, ID],
    [`/chat/widget/${ID}/sessions?userId=u#x`, ID],
    [`/api/v1/widget/${ID}?a=/widget/other`, ID],
    [`/api/v1/widget/%35b0c4e57-3d2a-4c1b-9e8f-7a6b5c4d3e2f/config`, ID],
    ['/api/v1/widget/not-a-uuid/config', 'not-a-uuid'],
    ['/api/v1/widget/%E0%A4%A/config', ''],
    ['/api/v1/widgets/x', ''],
    ['/', ''],
    ['', ''],
    [undefined, ''],
  ])('%s → %s', (uri, expected) => {
    expect(projectIdInUri(uri)).toBe(expected);
  });
});

describe(lastForwardedHop.name, () => {
  it.each([
    ['203.0.113.9', '203.0.113.9'],
    ['1.1.1.1, 10.0.0.2', '10.0.0.2'],
    ['forged, 2001:db8::1', '2001:db8::1'],
    ['1.1.1.1, garbage', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (header, expected) => {
    expect(lastForwardedHop(header)).toBe(expected);
  });
});

describe(readGatewayRequest.name, () => {
  it('prefers X-Hissuno-Project-Id, then X-Original-URI, X-Forwarded-Uri, the path suffix', () => {
    const other = '00000000-0000-4000-8000-000000000000';
    const uri = `/api/v1/widget/${other}/config`;
    expect(
      readGatewayRequest(
        { 'x-hissuno-project-id': ID, 'x-original-uri': uri },
        'GET',
        undefined,
        '::1',
      ).projectId,
    ).toBe(ID);
    expect(
      readGatewayRequest(
        { 'x-original-uri': uri, 'x-forwarded-uri': `/widget/${ID}` },
        'GET',
        undefined,
        '::1',
      ).projectId,
    ).toBe(other);
    expect(
      readGatewayRequest({ 'x-forwarded-uri': uri }, 'GET', `/widget/${ID}`, '::1').projectId,
    ).toBe(other);
    expect(readGatewayRequest({}, 'GET', `/api/v1/widget/${ID}/x`, '::1').projectId).toBe(ID);
    expect(readGatewayRequest({}, 'GET', undefined, '::1').projectId).toBe('');
  });

  it('takes the method from the forwarded headers, and the address from the last hop', () => {
    const request = readGatewayRequest(
      {
        'x-forwarded-method': 'options',
        'x-forwarded-for': '9.9.9.9, 198.51.100.7',
        origin: 'https://a.example',
        authorization: 'Bearer t',
      },
      'GET',
      undefined,
      '127.0.0.1',
    );
    expect(request).toEqual({
      projectId: '',
      method: 'OPTIONS',
      origin: 'https://a.example',
      authorization: 'Bearer t',
      clientAddress: '198.51.100.7',
    });
    expect(
      readGatewayRequest({ 'x-original-method': 'POST' }, 'GET', undefined, '127.0.0.1'),
    ).toMatchObject({ method: 'POST', clientAddress: '127.0.0.1' });
  });
});
