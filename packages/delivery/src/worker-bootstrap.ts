/**
 * Source for a worker thread (`new Worker(source, { eval: true })`) that runs a TypeScript module.
 * Herald runs its TypeScript through tsx, whose loader hooks do not reach worker threads on Node 20,
 * so the thread registers them itself before importing its module.
 */
export function typeScriptWorkerSource(entry: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); });`;
}
