// What building a backup job's source needs besides its spec (see core/component.ts).

export interface JobContext {
  /** Folder relative paths in the config are resolved against. */
  baseDir: string;
  /** The environment secrets come from (PGPASSWORD, MYSQL_PWD or the variable a job names). */
  env: Readonly<Record<string, string | undefined>>;
  /** site.platform and site.root: a files job's default preset and folder. */
  sitePlatform: string;
  siteRoot?: string | undefined;
}
