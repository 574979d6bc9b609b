// Declarations of scripts/pack-packages.mjs, for the tests that import it.
export declare const publishedPackages: string[];
export declare function stampVersion(directory: string): boolean;
/** Builds and packs every published package into `out`; the tarballs' paths by package name. */
export declare function packPackages(out: string): Record<string, string>;
