import{a,b}from"./chunk-CE35UVXV.js";import"./chunk-ECBEGGDC.js";import"./chunk-XW2NDWPG.js";export{a as conf,b as language};
//# sourceMappingURL=typescript-VF2A2KP6.js.map
