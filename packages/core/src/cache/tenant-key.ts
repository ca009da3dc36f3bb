const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The only way Compañero names a tenant's key in Redis or in the in-process stores:
 * `{key_type}:creator_{creator_id}:{identifier}` (ARCHITECTURE §4). Erasing a creator or a member relies on
 * every key carrying its creator in this exact position.
 */
export const tenantKey = (keyType: string, creatorId: string, identifier: string): string => {
  if (!uuidPattern.test(creatorId))
    throw new Error(`tenantKey: creatorId must be a UUID, got "${creatorId}"`);
  if (!/^[a-z][a-z0-9_]*$/.test(keyType)) throw new Error(`tenantKey: bad key type "${keyType}"`);
  return `${keyType}:creator_${creatorId.toLowerCase()}:${identifier}`;
};

/** Keys of global (non-tenant) concerns such as per-IP rate limits. */
export const globalKey = (keyType: string, identifier: string): string => `${keyType}:global:${identifier}`;
