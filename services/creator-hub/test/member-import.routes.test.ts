import { backends } from '@companero/testing/backends';
import type { HttpClient } from '@companero/testing/http-client';
import type { TestServer } from '@companero/testing/test-server';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Body,
  type Creator,
  expectStatus,
  query,
  registerCreator,
  seedMember,
  uploadMembersCsv,
} from './hub-fixtures';
import { type HubTestServer, startHubServer } from './hub-test-server';

const goodFile = [
  'name,email,phone,tags,timezone,Plan,City',
  'Ana García,Ana.Garcia@Example.com,+34 600-11-12-22,vip; runner,Europe/Madrid,gold,Madrid',
  'Bruno Díaz,bruno@example.com,,beginner,,silver,',
  ',,(+44) 7700 900123,,America/New_York,,London',
  'Existing Person,EXISTING@example.com,,new-tag,,,Sevilla',
].join('\n');

// Each rejected line with the reason the report must give; the other lines are good.
const mixedFile = [
  'name,email,phone,tags,timezone',
  'Good One,good1@example.com,,,',
  'Bad Email,not-an-email,,,',
  'No Contact,,,,',
  'Duplicate,GOOD1@example.com,,,',
  'Bad Zone,zone@example.com,,,Mars/Olympus_Mons',
  'Bad Phone,,12ab,,',
  'Good Two,,+34 611 000 111,,',
  'Duplicate Phone,,34611000111,,',
  'Good Three,good3@example.com,,,Asia/Tokyo',
].join('\r\n');

const pngHeader = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
  0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89,
]);

describe.each(backends())('creator hub member import and export on $name', (backend) => {
  let hub: HubTestServer;
  let server: TestServer;
  let http: HttpClient;

  const allMembers = async (creator: Creator) =>
    expectStatus(
      await http.get<Body>(`/api/hub/members${query({ sort: 'createdAt', order: 'asc', limit: 200 })}`, {
        token: creator.token,
      }),
      200,
    ).body.items as Body[];
  const detail = async (creator: Creator, id: string) =>
    expectStatus(await http.get<Body>(`/api/hub/members/${id}`, { token: creator.token }), 200).body;
  const byEmail = async (creator: Creator, email: string) => {
    const found = (await allMembers(creator)).find((member) => member.email === email);
    if (!found) throw new Error(`no member with email ${email}`);
    return detail(creator, found.id);
  };

  beforeAll(async () => {
    hub = await startHubServer(backend);
    ({ server, http } = hub);
  });
  afterAll(async () => hub?.close());

  describe('POST /api/hub/members/import', () => {
    let creator: Creator;
    beforeAll(async () => {
      creator = await registerCreator(http, 'importer');
      await seedMember(server, creator.creatorId, {
        name: 'Existing',
        email: 'existing@example.com',
        tags: ['old-tag'],
        attributes: { source: 'web' },
      });
    });

    it('imports new members and updates the one with the same email, with attributes, tags and phones', async () => {
      const response = expectStatus(await uploadMembersCsv(server.baseUrl, creator.token, goodFile), 200);
      expect(response.body).toEqual({ imported: 3, updated: 1, rejected: [] });

      expect(await byEmail(creator, 'ana.garcia@example.com')).toMatchObject({
        name: 'Ana García',
        phone: '+34600111222',
        tags: ['runner', 'vip'],
        timezone: 'Europe/Madrid',
        attributes: { plan: 'gold', city: 'Madrid' },
      });
      expect(await byEmail(creator, 'bruno@example.com')).toMatchObject({
        name: 'Bruno Díaz',
        phone: null,
        tags: ['beginner'],
        timezone: null,
        attributes: { plan: 'silver' },
      });
      const phoneOnly = (await allMembers(creator)).find((member) => member.phone === '+447700900123');
      expect(phoneOnly).toMatchObject({ name: null, email: null, timezone: 'America/New_York' });
      expect((await detail(creator, phoneOnly!.id)).attributes).toEqual({ city: 'London' });
      expect(await byEmail(creator, 'existing@example.com')).toMatchObject({
        name: 'Existing Person',
        tags: ['new-tag', 'old-tag'],
        attributes: { source: 'web', city: 'Sevilla' },
      });
      expect(await allMembers(creator)).toHaveLength(4);
    });

    it('updates instead of duplicating when the same file is imported again', async () => {
      const response = expectStatus(await uploadMembersCsv(server.baseUrl, creator.token, goodFile), 200);
      expect(response.body).toEqual({ imported: 0, updated: 4, rejected: [] });
      const members = await allMembers(creator);
      expect(members).toHaveLength(4);
      expect((await byEmail(creator, 'ana.garcia@example.com')).tags).toEqual(['runner', 'vip']);
    });

    it('counts imported members as new members in analytics and audits the import', async () => {
      const overview = expectStatus(
        await http.get<Body>('/api/hub/analytics/overview', { token: creator.token }),
        200,
      );
      expect(overview.body.newMembers).toBe(3);
      const audit = expectStatus(
        await http.get<Body>('/api/auth/audit?action=member.imported', { token: creator.token }),
        200,
      );
      expect(audit.body.items.map((entry: Body) => entry.metadata)).toEqual([
        { imported: 0, updated: 4, rejected: 0 },
        { imported: 3, updated: 1, rejected: 0 },
      ]);
    });

    it('reports each rejected line with its reason and imports the good lines', async () => {
      const fresh = await registerCreator(http, 'mixed');
      const response = expectStatus(await uploadMembersCsv(server.baseUrl, fresh.token, mixedFile), 200);
      expect(response.body.imported).toBe(3);
      expect(response.body.updated).toBe(0);
      expect(response.body.rejected).toEqual([
        { row: 3, reason: expect.stringContaining('"not-an-email" is not a valid email address') },
        { row: 4, reason: 'Needs an email or a phone number.' },
        { row: 5, reason: 'Duplicate of line 2 (same email).' },
        { row: 6, reason: expect.stringContaining('"Mars/Olympus_Mons" is not a time zone') },
        { row: 7, reason: expect.stringContaining('"12ab" is not a phone number') },
        { row: 9, reason: 'Duplicate of line 8 (same phone).' },
      ]);
      const members = await allMembers(fresh);
      expect(members.map((member) => member.name).sort()).toEqual(['Good One', 'Good Three', 'Good Two']);
      expect(members.find((member) => member.name === 'Good Two')?.phone).toBe('+34611000111');
    });

    it('reports the line in the file even when an earlier cell spans several lines', async () => {
      const fresh = await registerCreator(http, 'multiline');
      const file = [
        'name,email,address',
        '"Multi Line",multi@example.com,"Calle Mayor 1',
        '28013 Madrid"',
        'Bad,bad-email,Somewhere',
      ].join('\n');
      const response = expectStatus(await uploadMembersCsv(server.baseUrl, fresh.token, file), 200);
      expect(response.body).toMatchObject({ imported: 1, rejected: [{ row: 4 }] });
      expect((await byEmail(fresh, 'multi@example.com')).attributes).toEqual({
        address: 'Calle Mayor 1\n28013 Madrid',
      });
    });

    it('rejects a line whose email and phone belong to two different members, and imports the rest', async () => {
      const fresh = await registerCreator(http, 'conflict');
      await seedMember(server, fresh.creatorId, { name: 'By Email', email: 'by.email@example.com' });
      await seedMember(server, fresh.creatorId, { name: 'By Phone', phone: '+34677000111' });
      const response = expectStatus(
        await uploadMembersCsv(
          server.baseUrl,
          fresh.token,
          'name,email,phone\nMerged?,by.email@example.com,+34677000111\nNew Person,new.person@example.com,\n',
        ),
        200,
      );
      expect(response.body).toEqual({
        imported: 1,
        updated: 0,
        rejected: [{ row: 2, reason: expect.stringContaining('+34677000111') }],
      });
      expect(await byEmail(fresh, 'by.email@example.com')).toMatchObject({ name: 'By Email', phone: null });
      expect(await byEmail(fresh, 'new.person@example.com')).toMatchObject({ name: 'New Person' });
    });

    it('answers 422 and imports nothing when the header has neither an email nor a phone column', async () => {
      const fresh = await registerCreator(http, 'columns');
      const response = await uploadMembersCsv(
        server.baseUrl,
        fresh.token,
        'nombre,correo,telefono\nAna,ana@example.com,+34600111222\n',
      );
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.detail).toContain('expected columns: name, email, phone, tags, timezone');
      expect(await allMembers(fresh)).toEqual([]);
    });

    it('answers 422 for an empty file, and for a file without the "file" field', async () => {
      const empty = await uploadMembersCsv(server.baseUrl, creator.token, '');
      expect(empty.status).toBe(422);
      const wrongField = await uploadMembersCsv(server.baseUrl, creator.token, goodFile, { field: 'upload' });
      expect(wrongField.status).toBe(422);
      expect(wrongField.body.errors).toEqual([{ path: 'file', message: 'Required' }]);
    });

    it('answers 415 for a binary file (a PNG) and imports nothing', async () => {
      const fresh = await registerCreator(http, 'png');
      const response = await uploadMembersCsv(server.baseUrl, fresh.token, pngHeader, {
        fileName: 'members.csv',
        type: 'text/csv',
      });
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await allMembers(fresh)).toEqual([]);
    });

    it('answers 422 for a file that is not well-formed CSV, and imports nothing', async () => {
      const fresh = await registerCreator(http, 'malformed');
      const response = await uploadMembersCsv(
        server.baseUrl,
        fresh.token,
        'name,email\n"Unclosed quote,ana@example.com\nBruno,bruno@example.com\n',
      );
      expect(response.status).toBe(422);
      expect(response.body.errors).toEqual([{ path: 'file', message: 'Not a valid CSV' }]);
      expect(await allMembers(fresh)).toEqual([]);
    });

    it('answers 415 when the members are sent as JSON instead of a file', async () => {
      const response = await http.post<Body>(
        '/api/hub/members/import',
        { members: [{ email: 'json@example.com' }] },
        { token: creator.token },
      );
      expect(response.status).toBe(415);
      expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('answers 415 when the CSV is sent as the raw body instead of multipart', async () => {
      const response = await http.request<Body>('POST', '/api/hub/members/import', {
        token: creator.token,
        headers: { 'content-type': 'text/csv' },
        rawBody: goodFile,
      });
      expect(response.status).toBe(415);
    });
  });

  describe('GET /api/hub/members/export.csv', () => {
    it('exports every member as CSV that imports back into the same members', async () => {
      const source = await registerCreator(http, 'export-source');
      expectStatus(await uploadMembersCsv(server.baseUrl, source.token, goodFile), 200);
      const response = expectStatus(
        await http.get<string>('/api/hub/members/export.csv', { token: source.token }),
        200,
      );
      expect(response.headers.get('content-type')).toContain('text/csv');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="members.csv"');
      const rows = parse(response.body, { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(4);
      expect(Object.keys(rows[0]!)).toEqual([
        'name',
        'email',
        'phone',
        'tags',
        'timezone',
        'channels',
        'createdAt',
        'lastSeenAt',
        'city',
        'plan',
      ]);
      expect(rows.find((row) => row.email === 'ana.garcia@example.com')).toMatchObject({
        name: 'Ana García',
        phone: '+34600111222',
        tags: 'runner;vip',
        timezone: 'Europe/Madrid',
        city: 'Madrid',
        plan: 'gold',
      });

      const target = await registerCreator(http, 'export-target');
      const imported = expectStatus(await uploadMembersCsv(server.baseUrl, target.token, response.body), 200);
      expect(imported.body).toEqual({ imported: 4, updated: 0, rejected: [] });
      const comparable = async (creator: Creator) => {
        const members = await allMembers(creator);
        const details = await Promise.all(members.map((member) => detail(creator, member.id)));
        return details
          .map(({ name, email, phone, tags, timezone, attributes }) => ({
            name,
            email,
            phone,
            tags,
            timezone,
            attributes,
          }))
          .sort((a, b) => String(a.email ?? a.phone).localeCompare(String(b.email ?? b.phone)));
      };
      expect(await comparable(target)).toEqual(await comparable(source));

      const again = expectStatus(
        await http.get<string>('/api/hub/members/export.csv', { token: target.token }),
        200,
      );
      expect(again.body.split('\n')[0]).toBe(response.body.split('\n')[0]);
    });

    it('quotes cells a spreadsheet would run as formulas', async () => {
      const creator = await registerCreator(http, 'formulas');
      await seedMember(server, creator.creatorId, {
        name: '=HYPERLINK("https://evil.example","click")',
        email: 'formula@example.com',
        tags: ['+cmd'],
        attributes: { note: '@SUM(1,2)', score: '-2+3', safe: 'plain' },
      });
      const response = expectStatus(
        await http.get<string>('/api/hub/members/export.csv', { token: creator.token }),
        200,
      );
      const [row] = parse(response.body, { columns: true }) as Record<string, string>[];
      expect(row).toMatchObject({
        name: `'=HYPERLINK("https://evil.example","click")`,
        tags: `'+cmd`,
        note: `'@SUM(1,2)`,
        score: `'-2+3`,
        safe: 'plain',
        email: 'formula@example.com',
      });
    });

    it('answers a header-only CSV when there are no members', async () => {
      const creator = await registerCreator(http, 'empty-export');
      const response = expectStatus(
        await http.get<string>('/api/hub/members/export.csv', { token: creator.token }),
        200,
      );
      expect(response.body.trim()).toBe('name,email,phone,tags,timezone,channels,createdAt,lastSeenAt');
    });
  });
});
