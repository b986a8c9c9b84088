// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as AZT601 } from "./AZT601";
import { technique as AZT602 } from "./AZT602";
import { technique as AZT603 } from "./AZT603";
import { technique as AZT604 } from "./AZT604";
import { technique as AZT605 } from "./AZT605";

export const techniques: TechniqueModule[] = [AZT601, AZT602, AZT603, AZT604, AZT605];
