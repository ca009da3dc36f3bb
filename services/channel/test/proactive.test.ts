import { silentLogger } from '@companero/ai/logging/component-logger.types';
import { withTenant } from '@companero/db/tenant';
import { backends } from '@companero/testing/backends';
import { type Creator, registerCreator } from '@companero/testing/creator-fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelServices } from '../src/channel-services';
import {
  type ChannelTestServer,
  connectWs,
  openWidgetMember,
  startGatewayServer,
} from './channel-test-server';

describe.each(backends())('proactive messages on $name', (backend) => {
  let channel: ChannelTestServer;
  let owner: Creator;
  let services: ReturnType<typeof createChannelServices>;

  beforeAll(async () => {
    channel = await startGatewayServer(backend);
    owner = await registerCreator(channel.http, 'proactive');
    // The same runtime as the server: its database and its pub/sub, as a program step would use them.
    services = createChannelServices(channel.server.runtime, silentLogger as never);
  });
  afterAll(async () => {
    await channel?.close();
  });

  it('stores a coach message in the member conversation and shows it live on their widget, with quick replies', async () => {
    const member = await openWidgetMember(channel.http, owner.slug);
    const client = await connectWs(channel.baseUrl, member.token, { channel: 'widget' });
    await client.waitFor((frame) => frame.type === 'ready');

    const sent = await services.proactive.send(owner.creatorId, {
      memberId: member.memberId,
      text: 'Time for your evening check-in: how did today go?',
      quickReplies: ['Great', 'So-so'],
    });

    expect(sent?.channel).toBe('widget');
    const frame = await client.waitFor((candidate) => candidate.type === 'message');
    expect(frame.message).toMatchObject({
      id: sent?.messageId,
      conversationId: member.conversationId,
      author: 'coach',
      direction: 'out',
      content: 'Time for your evening check-in: how did today go?',
      quickReplies: ['Great', 'So-so'],
    });
    expect(frame.eventId).toMatch(/^\d+$/);
    await client.close();
  });

  it('sends on the channel asked for only when the member has it, and reports a member it cannot reach', async () => {
    const member = await openWidgetMember(channel.http, owner.slug);
    const onWhatsApp = await services.proactive.send(owner.creatorId, {
      memberId: member.memberId,
      text: 'Hello',
      channel: 'whatsapp',
    });
    expect(onWhatsApp?.channel).toBe('widget');

    const unreachable = await withTenant(channel.server.runtime.db, owner.creatorId, async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into members (creator_id, name) values ($1, 'No channels') returning id`,
        [owner.creatorId],
      );
      return rows[0]!.id;
    });
    expect(
      await services.proactive.send(owner.creatorId, { memberId: unreachable, text: 'Hello' }),
    ).toBeNull();
  });

  it('program sends take the first reachable channel of their order, passing over WhatsApp outside its 24-hour window', async () => {
    const member = await openWidgetMember(channel.http, owner.slug);
    const addWhatsApp = (lastInboundHoursAgo: number) =>
      withTenant(channel.server.runtime.db, owner.creatorId, (tx) =>
        tx.query(
          `insert into channel_identities (creator_id, member_id, channel, external_id, last_inbound_at)
           values ($1, $2, 'whatsapp', $3, now() - make_interval(hours => $4))
           on conflict (creator_id, channel, external_id) do update set last_inbound_at = excluded.last_inbound_at`,
          [owner.creatorId, member.memberId, `wa-${member.memberId}`, lastInboundHoursAgo],
        ),
      );
    const sendOrdered = (channels: string[]) =>
      withTenant(channel.server.runtime.db, owner.creatorId, (tx) =>
        services.proactive.sendInTxOrdered(tx, { memberId: member.memberId, text: 'Check-in', channels }),
      );

    await addWhatsApp(30);
    const closed = await sendOrdered(['whatsapp', 'telegram', 'widget']);
    expect(closed).toMatchObject({ sent: true, channel: 'widget' });

    expect(await sendOrdered(['whatsapp', 'telegram'])).toEqual({
      sent: false,
      reason: 'outside_whatsapp_window',
      tried: ['whatsapp', 'telegram'],
    });

    await addWhatsApp(2);
    expect(await sendOrdered(['whatsapp', 'widget'])).toMatchObject({ sent: true, channel: 'whatsapp' });
    expect(await sendOrdered(['telegram', 'push'])).toEqual({
      sent: false,
      reason: 'no_reachable_channel',
      tried: ['telegram', 'push'],
    });
  });
});
