// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as AZT101 } from "./AZT101";
import { technique as AZT102 } from "./AZT102";
import { technique as AZT103 } from "./AZT103";
import { technique as AZT104 } from "./AZT104";
import { technique as AZT105 } from "./AZT105";
import { technique as AZT106 } from "./AZT106";
import { technique as AZT107 } from "./AZT107";
import { technique as AZT108 } from "./AZT108";

export const techniques: TechniqueModule[] = [AZT101, AZT102, AZT103, AZT104, AZT105, AZT106, AZT107, AZT108];
