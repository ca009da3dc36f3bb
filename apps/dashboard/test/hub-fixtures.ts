import { creatorId } from './test-session';

export const member = (index: number, overrides: Record<string, unknown> = {}) => ({
  id: `aaaaaaaa-aaaa-4aaa-8aaa-${String(index).padStart(12, '0')}`,
  name: `Member ${index}`,
  email: `member${index}@example.com`,
  phone: null,
  tags: index % 2 === 0 ? ['vip'] : [],
  channels: ['whatsapp'],
  timezone: 'Europe/Madrid',
  lastSeenAt: new Date(Date.now() - index * 3600_000).toISOString(),
  createdAt: '2025-03-01T10:00:00.000Z',
  ...overrides,
});

export const memberDetail = (overrides: Record<string, unknown> = {}) => ({
  ...member(1, {
    name: 'Lucía Pérez',
    email: 'lucia@example.com',
    phone: '+34600000001',
    tags: ['vip', 'runner'],
  }),
  notes: 'Training for a marathon in May.',
  locale: 'es',
  attributes: { plan: 'gold' },
  identities: [
    {
      id: 'bbbbbbbb-bbbb-4bbb-8bbb-000000000001',
      channel: 'whatsapp',
      externalId: '+34600000001',
      displayName: '+34 600 000 001',
      createdAt: '2025-03-01T10:00:00.000Z',
      lastSeenAt: '2025-03-05T10:00:00.000Z',
    },
  ],
  conversations: [
    {
      id: 'cccccccc-cccc-4ccc-8ccc-000000000001',
      channel: 'whatsapp',
      status: 'open',
      startedAt: '2025-03-01T10:00:00.000Z',
      lastMessageAt: '2025-03-05T10:00:00.000Z',
      messageCount: 2,
    },
  ],
  points: 120,
  streaks: [],
  ...overrides,
});

export const transcript = {
  items: [
    {
      id: 'dddddddd-dddd-4ddd-8ddd-000000000001',
      conversationId: 'cccccccc-cccc-4ccc-8ccc-000000000001',
      channel: 'whatsapp',
      direction: 'in',
      author: 'Lucía Pérez',
      content: 'How long should my long run be this week?',
      grounded: null,
      createdAt: '2025-03-05T09:00:00.000Z',
    },
    {
      id: 'dddddddd-dddd-4ddd-8ddd-000000000002',
      conversationId: 'cccccccc-cccc-4ccc-8ccc-000000000001',
      channel: 'whatsapp',
      direction: 'out',
      author: 'Coach',
      content: 'About 18 km at an easy pace.',
      grounded: true,
      createdAt: '2025-03-05T09:00:05.000Z',
    },
  ],
  nextCursor: null,
};

export const settings = {
  id: creatorId,
  name: 'Ana Runs',
  slug: 'ana-runs',
  timezone: 'Europe/Madrid',
  createdAt: '2025-01-01T00:00:00.000Z',
};

export const overview = (overrides: Record<string, unknown> = {}) => ({
  from: '2025-03-01',
  to: '2025-03-30',
  timezone: 'Europe/Madrid',
  activeMembers: 42,
  newMembers: 7,
  conversations: 55,
  messagesIn: 300,
  messagesOut: 310,
  byChannel: { whatsapp: { messagesIn: 200, messagesOut: 205, activeMembers: 30 } },
  responseTimeMs: { p50: 1800, p95: 5400 },
  unansweredRate: 0.12,
  feedback: { up: 30, down: 3 },
  topQuestions: [{ text: 'How long should my long run be?', count: 14, unanswered: 2, variants: 4 }],
  unansweredQuestions: [{ text: 'Can I run with a cold?', count: 3 }],
  retention: { cohorts: [{ week: '2025-03-03', size: 10, weeks: [1, 0.5, 0.3] }] },
  programs: {},
  ...overrides,
});
