// The techniques of this tactic, one module per ATRM technique file.
import type { TechniqueModule } from "../model";
import { technique as azt501 } from "./AZT501";
import { technique as azt502 } from "./AZT502";
import { technique as azt503 } from "./AZT503";
import { technique as azt504 } from "./AZT504";
import { technique as azt505 } from "./AZT505";
import { technique as azt506 } from "./AZT506";
import { technique as azt507 } from "./AZT507";
import { technique as azt508 } from "./AZT508";
import { technique as azt509 } from "./AZT509";

export const techniques: TechniqueModule[] = [azt501, azt502, azt503, azt504, azt505, azt506, azt507, azt508, azt509];
