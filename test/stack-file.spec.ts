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

describe("stack file errors (issue 13)", () => {
  it("a YAML error names the line where the unclosed bracket or quote opened, and the key", () => {
    expect(() => readStackFile(stackFile("config:\n  azdetect:location: westeurope\n  azdetect:tactics: [Execution\n  azdetect:skipQueryValidation: true\n")))
      .to.throw(/^Pulumi\.t\.yaml line 3 \(in azdetect:tactics\): Flow sequence/);
    expect(() => readStackFile(stackFile("config:\n  azdetect:location: \"westeurope\n  azdetect:tactics: [Execution]\n")))
      .to.throw(/^Pulumi\.t\.yaml line 2 \(in azdetect:location\): Missing closing "quote/);
  });

  it("an alias bomb is stopped and named by its key", () => {
    const bomb = "config:\n  azdetect:location: westeurope\n  azdetect:tags:\n    a: &a [x,x,x,x,x,x,x,x,x,x]\n    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n";
    expect(() => readStackFile(stackFile(bomb))).to.throw(/\(in azdetect:tags\): Excessive alias count/);
  });

  it("a misspelt azdetect namespace is reported, naming the key it was meant to be; other providers' keys are not", () => {
    expect(() => readStackFile(stackFile("config:\n  azdetect:location: westeurope\n  azdetct:tactics: [Execution]\n"))).to.throw(/azdetct:tactics: unknown config namespace "azdetct" — did you mean azdetect:tactics\?/);
    expect(readStackFile(stackFile("config:\n  azdetect:location: westeurope\n  azure-native:location: westeurope\n  azuread:tenantId: x\n"))).to.deep.equal({ location: "westeurope" });
  });
});
