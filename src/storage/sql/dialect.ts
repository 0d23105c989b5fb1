/** The SQL dialects the stores speak; the few statements that differ branch on it. */
export type SqlDialectName = 'sqlite' | 'postgres';
