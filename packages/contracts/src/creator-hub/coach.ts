import { z } from 'zod';

export const ZCoachPersona = z
  .object({
    name: z.string().trim().min(1).max(80),
    instructions: z.string().max(8000),
    tone: z.string().trim().max(80),
    language: z.string().trim().min(2).max(10).describe('BCP 47 language tag of the answers, e.g. en or es'),
    model: z
      .string()
      .trim()
      .max(120)
      .nullable()
      .describe('Model name for the configured LLM provider; null = its default'),
    temperature: z.number().min(0).max(2),
    fallbackMessage: z.string().trim().min(1).max(2000),
    welcomeMessage: z.string().trim().min(1).max(2000),
  })
  .meta({ id: 'CoachPersona' });
export type TCoachPersona = z.infer<typeof ZCoachPersona>;
