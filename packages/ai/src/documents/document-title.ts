/** The title a document gets from its file name until its own title is known: "sleep-guide_v2.pdf" → "sleep guide v2". */
export const titleFromFileName = (fileName: string): string =>
  fileName
    .replace(/\.[a-z0-9]+$/i, '')
    .replace(/[-_]+/g, ' ')
    .trim()
    .slice(0, 200) || 'Untitled';
