// Declarations of scripts/pack-packages.mjs, for the tests that import it.
export declare const publishedPackages: Array<{ directory: string; build: (directory: string) => unknown; manifest?: (manifest: object) => object }>;
export declare function stampVersion(directory: string): boolean;
/** Builds and packs every published package into `out`; the tarballs' paths by package name. */
export declare function packPackages(out: string): Promise<Record<string, string>>;
