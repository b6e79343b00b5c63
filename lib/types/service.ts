// What a service module declares besides its hooks: its git checkouts and its
// keystone catalog entries. ServiceModule itself is in stack.ts.

/** A git checkout the source method clones into $DEST/<dir>. */
export interface RepoSpec {
  /** Project name: keystone, nova, oslo.config... */
  name: string;
  /** Resolved URL (`<SVC>_REPO`, default $GIT_BASE/openstack/<name>.git). */
  url: string;
  /** Branch, tag, sha or refs/changes/... (`<SVC>_BRANCH`). */
  ref: string;
  /** Checkout directory, $DEST/<name>. */
  dir: string;
  /** The distro package that provides the same code (used with SOURCE_DEPS=distro). */
  distroPackage?: string;
}

/** A service user plus its catalog entry, created through keystone's REST API after `key` is ready. */
export interface CatalogEntry {
  /** Service user name (nova, glance...); gets SERVICE_PASSWORD and the `service` role on project `service`. */
  user: string;
  /** Extra roles on the service project (devstack gives nova, glance, placement, cinder `admin`). */
  extraRoles?: string[];
  /** Catalog service: name and type (`nova`/`compute`, `cinderv3`/`volumev3`...). */
  service?: { name: string; type: string; description?: string };
  /** Endpoint URL for public/internal/admin; may contain `%(project_id)s`. */
  url?: string;
}
