import{a,b}from"./chunk-CE35UVXV.js";import"./chunk-ECBEGGDC.js";import"./chunk-FB5IOQ5D.js";export{a as conf,b as language};
//# sourceMappingURL=typescript-XD4TT2OE.js.map
