// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as AZT401 } from "./AZT401";
import { technique as AZT402 } from "./AZT402";
import { technique as AZT403 } from "./AZT403";
import { technique as AZT404 } from "./AZT404";
import { technique as AZT405 } from "./AZT405";

export const techniques: TechniqueModule[] = [AZT401, AZT402, AZT403, AZT404, AZT405];
