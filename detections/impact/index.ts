// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as AZT701 } from "./AZT701";
import { technique as AZT702 } from "./AZT702";
import { technique as AZT703 } from "./AZT703";
import { technique as AZT704 } from "./AZT704";
import { technique as AZT705 } from "./AZT705";

export const techniques: TechniqueModule[] = [AZT701, AZT702, AZT703, AZT704, AZT705];
