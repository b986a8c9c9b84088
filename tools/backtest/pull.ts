import type { LoadedRows } from "../../kusto/rows";
export async function pullWorkspace(_o: { workspaceResourceId: string; from: Date; to: Date; columns: Record<string, Set<string>>; onProgress?: (d: number, t: number) => void }): Promise<LoadedRows> {
  throw new Error("not yet");
}
