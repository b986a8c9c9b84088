// Reading Pulumi.<stack>.yaml for the offline tools.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readStackFile } from "../tools/planning";

function stackFile(body: string): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "azdetect-")), "Pulumi.t.yaml");
  fs.writeFileSync(f, body);
  return f;
}

describe("stack files", () => {
  it("strips the project prefix and ignores other providers' keys", () => {
    expect(readStackFile(stackFile("config:\n  azdetect:location: westeurope\n  azure-native:location: westeurope\n  azdetect:tactics: [Execution]\n")))
      .to.deep.equal({ location: "westeurope", tactics: ["Execution"] });
  });

  it("names the key of an encrypted value that is not a credential, however deep, since the offline tools cannot decrypt it", () => {
    const f = stackFile("config:\n  azdetect:location: westeurope\n  azdetect:actionGroups:\n    soc:\n      emails:\n        - secure: v1:AAABAxyz\n");
    expect(() => readStackFile(f)).to.throw(/azdetect:actionGroups\.soc\.emails\[0\]: encrypted, but it is not a credential — the offline tools cannot decrypt it/);
  });
});
