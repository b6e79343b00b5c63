// The REST client seeding uses (lib/openstack/rest.ts): one keystone token, reused for
// every call, instead of one `openstack` CLI process per call (devstack loses minutes there).

export interface OpenStackClient {
  /** Base URL of a catalog service type: identity, compute, network, image, volumev3, placement. */
  endpoint(serviceType: string): string;
  get<T = unknown>(serviceType: string, path: string, opts?: { headers?: Record<string, string> }): Promise<T>;
  post<T = unknown>(
    serviceType: string,
    path: string,
    body: unknown,
    opts?: { headers?: Record<string, string> },
  ): Promise<T>;
  put<T = unknown>(
    serviceType: string,
    path: string,
    body?: unknown,
    opts?: { headers?: Record<string, string> },
  ): Promise<T>;
  patch<T = unknown>(
    serviceType: string,
    path: string,
    body: unknown,
    opts?: { headers?: Record<string, string> },
  ): Promise<T>;
  delete(serviceType: string, path: string): Promise<void>;
}
