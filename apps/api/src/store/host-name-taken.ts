/** `hosts.create` refused a name: a host that is not deleted has it already, regardless of case. */
export class HostNameTakenError extends Error {
  override name = "HostNameTakenError";

  constructor(hostName: string) {
    super(`a host named "${hostName}" exists already (names are unique regardless of case)`);
  }
}
