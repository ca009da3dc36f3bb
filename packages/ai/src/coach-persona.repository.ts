import type { TCoachPersona } from '@companero/contracts/creator-hub/coach';
import type { TenantTx } from '@companero/db/tenant';

export const defaultPersona: TCoachPersona = {
  name: 'Coach',
  instructions: '',
  tone: 'warm',
  language: 'en',
  model: null,
  temperature: 0.3,
  fallbackMessage: "I don't have that in my notes yet. I've passed your question on to your coach.",
  welcomeMessage: 'Hi! How can I help you today?',
};

/** The creator's coach persona; the defaults until the creator saves one. */
export const coachPersonaRepository = {
  async get(tx: TenantTx): Promise<TCoachPersona> {
    const { rows } = await tx.query<TCoachPersona>(
      `select name, instructions, tone, language, model, temperature, fallback_message as "fallbackMessage",
              welcome_message as "welcomeMessage"
         from coach_personas where creator_id = $1`,
      [tx.creatorId],
    );
    return rows[0] ?? defaultPersona;
  },
  async upsert(tx: TenantTx, persona: TCoachPersona): Promise<void> {
    await tx.query(
      `insert into coach_personas (creator_id, name, instructions, tone, language, model, temperature, fallback_message, welcome_message)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (creator_id) do update set name = excluded.name, instructions = excluded.instructions, tone = excluded.tone,
         language = excluded.language, model = excluded.model, temperature = excluded.temperature,
         fallback_message = excluded.fallback_message, welcome_message = excluded.welcome_message`,
      [
        tx.creatorId,
        persona.name,
        persona.instructions,
        persona.tone,
        persona.language,
        persona.model,
        persona.temperature,
        persona.fallbackMessage,
        persona.welcomeMessage,
      ],
    );
  },
};
