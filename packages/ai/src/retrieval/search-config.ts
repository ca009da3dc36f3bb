/** PostgreSQL text-search configuration for a persona language (stemming and stop words), 'simple' otherwise. */
export const searchConfigFor = (language: string | undefined): string => {
  const configs: Record<string, string> = {
    en: 'english',
    es: 'spanish',
    pt: 'portuguese',
    fr: 'french',
    de: 'german',
    it: 'italian',
    nl: 'dutch',
  };
  return configs[(language ?? 'en').slice(0, 2).toLowerCase()] ?? 'simple';
};
