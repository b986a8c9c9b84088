// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as AZT201 } from "./AZT201";
import { technique as AZT202 } from "./AZT202";
import { technique as AZT203 } from "./AZT203";

export const techniques: TechniqueModule[] = [AZT201, AZT202, AZT203];
