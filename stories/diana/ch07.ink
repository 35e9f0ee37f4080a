// ───────────────────────── Chapter 7: The Man in the Good Coat (VIP) ─────────────────────────
=== chapter_7 ===
{ not vip(): -> vip_gate }
{t("Chapter 7 · The Man in the Good Coat", "Capítulo 7 · El hombre del abrigo bueno")} #chapter:7 #title
-> c7_01

=== c7_01 ===
{t("The house is awake when you arrive. Every candle in the hall is lit, and the mirrors are so bright that the corridor of little fires seems to go on for a mile. Lucien is wearing his gloves again, and a black coat you have never seen, buttoned to the throat like armour.", "La casa está despierta cuando llegas. Todas las velas del vestíbulo están encendidas, y los espejos brillan tanto que el pasillo de pequeños fuegos parece seguir una legua entera. Lucien vuelve a llevar guantes, y un abrigo negro que nunca le habías visto, abrochado hasta el cuello como una armadura.")} #scene:7_01
{t("Diana's voice comes from the oval mirror by the stairs. “I am coming down,” she says. “As far as the glass will let me. I will not have him in my house while I hide in the attic like a rumour.”", "La voz de Diana sale del espejo ovalado junto a la escalera. —Voy a bajar —dice—. Hasta donde el cristal me deje. No pienso tenerlo en mi casa mientras me escondo en el desván como un rumor.")}
+ [{t("Put on the silver mask", "Ponerte la máscara de plata")} #emo:poet+1] -> c7_01_mask
+ [{t("Keep your face bare", "Dejar la cara al descubierto")} #emo:direct+1] -> c7_02

=== c7_01_mask ===
{t("The mask is lighter than it looks and fits as though it had been made from a drawing of your face. In the oval mirror, beside your masked reflection, another masked face appears for a moment: Diana's, close, as if you were standing side by side.", "La máscara pesa menos de lo que parece y se ajusta como si la hubieran hecho a partir de un dibujo de tu cara. En el espejo ovalado, junto a tu reflejo enmascarado, aparece un momento otra cara con máscara: la de Diana, cerca, como si estuvierais hombro con hombro.")} #scene:7_01b
{t("“There,” she says. “Now we are hiding together. It is much less lonely.”", "—Ya está —dice—. Ahora nos escondemos a la vez. Así se está mucho menos a solas.")}
~ closeness += 1
+ [{t("Turn to Lucien", "Volverte hacia Lucien")}] -> c7_02

=== c7_02 ===
{t("Lucien draws you aside. “I have a plan,” he says, low. “When he asks for the portrait, we tell him it burned. There was a fire in the east wing, years ago; there are papers. It is a lie, but it is a lie with documents, which is the kind men like Aubrac respect.”", "Lucien te lleva aparte. —Tengo un plan —dice en voz baja—. Cuando pida el retrato, le decimos que ardió. Hubo un incendio en el ala este, hace años; hay papeles. Es mentira, pero es una mentira con documentos, y ese es el tipo de mentira que respetan los hombres como Aubrac.")} #scene:7_02
{
- protective_lie_kind == "silent":
    {t("“You would not answer me in the garden,” he adds, “when I asked what you would do with a lie told out of love. Perhaps tonight you will have to.”", "—En el jardín no quisiste contestarme —añade— cuando te pregunté qué harías con una mentira dicha por amor. Puede que esta noche tengas que hacerlo.")}
- protective_lie_kind == "short" || protective_lie_kind == "offtopic" || protective_lie_kind == "question" || protective_lie_kind == "":
    {t("“In the garden I asked what you would do with a lie told out of love,” he adds. “You never really answered. Tonight, perhaps, you will.”", "—En el jardín te pregunté qué harías con una mentira dicha por amor —añade—. En realidad nunca me contestaste. Quizá esta noche lo hagas.")}
- else:
    {t("“In the garden I asked what you would do with a lie told out of love,” he adds. “You said: ‘{said(protective_lie_quote)}’ I have thought about those words every night since. Tonight we find out if you meant them.”", "—En el jardín te pregunté qué harías con una mentira dicha por amor —añade—. Me dijiste: «{said(protective_lie_quote)}». He pensado en esas palabras todas las noches desde entonces. Esta noche veremos si iban en serio.")}
}
{t("From the oval mirror, Diana says: “Or we could tell him the truth, Lucien. It has been a year. I should like to try it.”", "Desde el espejo ovalado, Diana dice: —O podríamos decirle la verdad, Lucien. Ha pasado un año. Me gustaría probarlo.")}
+ [{t("Say nothing yet", "No decir nada todavía")} #emo:persistent+1] -> c7_03
+ [{t("“Let us see what he brings first.”", "—Veamos primero qué trae.")} #emo:explorer+1] -> c7_03

=== c7_03 ===
{t("Aubrac arrives on the stroke of midnight with a notary: a small, tired woman in spectacles called Madame Pell, who carries a briefcase larger than herself and looks as though she would rather be anywhere else. The two men with briefcases stay outside the gate. The house, you notice, has not let them in.", "Aubrac llega al dar la medianoche con una notaria: una mujer pequeña, con gafas y cara de cansancio, que se llama señora Pell, carga con un maletín más grande que ella y parece preferir estar en cualquier otro sitio. Los dos hombres de los maletines se quedan fuera de la verja. La casa, te das cuenta, no les ha dejado entrar.")} #scene:7_03
{t("In the gallery Aubrac walks along the covered portraits like a man inspecting horses. “Lift them,” he says to Lucien. “I want an inventory.”", "En la galería, Aubrac recorre los retratos tapados como quien inspecciona caballos. —Levántelas —le dice a Lucien—. Quiero un inventario.")}
{t("“The first rule of this house,” says Lucien, very quietly, “is that nobody lifts the silk.”", "—La primera norma de esta casa —dice Lucien, muy bajo— es que nadie levanta la seda.")}
+ [{t("Stand beside Lucien", "Ponerte al lado de Lucien")} #emo:empath+1]
    ~ trust += 1
    -> c7_04
+ [{t("Watch the notary rather than Aubrac", "Observar a la notaria en lugar de a Aubrac")} #emo:explorer+2] -> c7_03_notary

=== c7_03_notary ===
{t("Madame Pell is not looking at the portraits. She is looking at the mirrors, and at the fact that Aubrac does not appear in any of them. She writes something in a small notebook, and underlines it twice.", "La señora Pell no mira los retratos. Mira los espejos, y el hecho de que Aubrac no aparece en ninguno. Escribe algo en una libreta pequeña y lo subraya dos veces.")} #scene:7_03b
+ [{t("Catch her eye", "Cruzar la mirada con ella")}] -> c7_04

=== c7_04 ===
{t("Aubrac stops before the empty twelfth frame and taps it with his glove. “This one,” he says. “The one I paid for. Where is it?”", "Aubrac se detiene ante el duodécimo marco, el vacío, y le da unos golpecitos con el guante. —Este —dice—. El que pagué. ¿Dónde está?")} #scene:7_04
{t("Lucien opens his mouth. Then he looks at you. So does Aubrac. So, you realise, does every mirror in the gallery, and in the nearest one, faint as breath on glass, Diana's masked face is waiting too.", "Lucien abre la boca. Luego te mira a ti. También Aubrac. Y también, te das cuenta, todos los espejos de la galería; en el más cercano, tenue como el vaho en un cristal, la cara enmascarada de Diana también espera.")}
+ [{t("“It burned. There was a fire in the east wing.”", "—Ardió. Hubo un incendio en el ala este.")} #emo:direct+1 #branch:collector]
    ~ collector = "lied"
    -> c7_05_lie
+ [{t("“It is in this house, and it belongs to the one who painted it.”", "—Está en esta casa, y pertenece a quien lo pintó.")} #emo:direct+2 #branch:collector]
    ~ collector = "truth"
    -> c7_05_truth
+ [{t("“That is not mine to answer.” Turn to the mirror. “Diana?”", "—No me corresponde responder. —Volverte hacia el espejo—. ¿Diana?")} #emo:empath+2 #branch:collector]
    ~ collector = "diana"
    ~ closeness += 1
    -> c7_05_diana

=== c7_05_lie ===
{t("The lie is out before you can weigh it. Lucien, beside you, lets out a breath and produces the papers from his coat: the fire, the insurance claim, the list of things lost. Aubrac reads them with narrowed eyes. Madame Pell reads them too, and then, very slowly, she looks at the nearest mirror.", "La mentira sale antes de que puedas sopesarla. Lucien, a tu lado, suelta el aire y saca los papeles del abrigo: el incendio, el parte del seguro, la lista de lo perdido. Aubrac los lee con los ojos entornados. La señora Pell también los lee, y luego, muy despacio, mira el espejo más cercano.")} #scene:7_05
{t("The glass has fogged over, from the inside, in a small neat patch the size of a word.", "El cristal se ha empañado por dentro, en una manchita limpia del tamaño de una palabra.")}
{t("“Well,” says Aubrac at last, folding the papers. “A fire. How very convenient. I shall have my people look into it.” He leaves, but he leaves slowly, looking back at every frame.", "—Vaya —dice Aubrac por fin, doblando los papeles—. Un incendio. Qué oportuno. Haré que mi gente lo investigue. —Se va, pero se va despacio, mirando atrás en cada marco.")}
~ trust += 1
+ [{t("Let out your breath", "Soltar el aire")}] -> c7_06

=== c7_05_truth ===
{t("“It is in this house,” you say, “and it belongs to the one who painted it. You paid for a portrait of yourself. You received one. This is another painting entirely, and it was never for sale.”", "—Está en esta casa —dices—, y pertenece a quien lo pintó. Usted pagó por un retrato suyo. Lo recibió. Este es otro cuadro, y nunca estuvo en venta.")} #scene:7_05b
{t("Aubrac turns to the notary. Madame Pell sighs, opens her enormous briefcase, and consults something. “The debts give you the house's furniture, monsieur,” she says. “Not a painter's own work, unless it was commissioned. Was this one commissioned?”", "Aubrac se vuelve hacia la notaria. La señora Pell suspira, abre su maletín enorme y consulta algo. —Las deudas le dan los muebles de la casa, señor —dice—. No la obra propia de una pintora, salvo que se la encargaran. ¿Le encargó usted este cuadro?")}
{t("Aubrac says nothing. In every mirror in the gallery, there is still no Aubrac to say it.", "Aubrac no dice nada. En ningún espejo de la galería hay un Aubrac que pueda decirlo.")}
+ [{t("Wait for him to go", "Esperar a que se vaya")}] -> c7_06

=== c7_05_diana ===
{t("The nearest mirror clears, and Diana is in it: masked, in her grey coat, standing in a gallery that is this one and is not. Aubrac takes a step back. He has believed for a year that she was gone, and he has been, you realise, a little relieved.", "El espejo más cercano se aclara, y Diana está en él: con máscara, con su abrigo gris, de pie en una galería que es esta y no lo es. Aubrac da un paso atrás. Ha creído un año entero que ella ya no estaba, y, te das cuenta, eso le aliviaba un poco.")} #scene:7_05c
{t("“You paid me to paint you as you are when nobody is watching,” Diana says. “I did. You were afraid of what I saw, so you decided to own it. You cannot own it. I still see it. I see it now.” A pause. “It has not changed, Aubrac. That is the saddest part.”", "—Me pagaste para que te pintara como eres cuando nadie te mira —dice Diana—. Lo hice. Te dio miedo lo que vi, así que decidiste ser su dueño. No puedes serlo. Sigo viéndolo. Lo veo ahora. —Una pausa—. No ha cambiado, Aubrac. Eso es lo más triste.")}
{t("Aubrac leaves without a word. The notary lingers long enough to curtsey, very slightly, to the mirror.", "Aubrac se va sin decir palabra. La notaria se entretiene lo justo para hacerle al espejo una reverencia, muy leve.")}
+ [{t("Look at the mirror", "Mirar el espejo")}] -> c7_06

=== c7_06 ===
{t("When the gate has closed behind them, the three of you are left in the gallery: Lucien, you, and Diana in the glass.", "Cuando la verja se cierra tras ellos, os quedáis los tres en la galería: Lucien, tú y Diana en el cristal.")} #scene:7_06 #consequence:lucien_answer
{
- lucien_answer == "comfort":
    {t("Lucien sits down on the bench under the empty frame as if his strings had been cut. Without thinking about it, he leans against your shoulder, the way he must once have leaned against a door. “Forgive me,” he says. “Only for a moment. You did this once in the mirror room and I have wanted to ask for it again ever since.”", "Lucien se sienta en el banco bajo el marco vacío como si le hubieran cortado los hilos. Sin pensarlo, se apoya en tu hombro, como debió de apoyarse alguna vez en una puerta. —Perdona —dice—. Solo un momento. Lo hiciste una vez en la sala de los espejos y desde entonces he querido pedírtelo otra vez.")}
- else:
    {t("Lucien stays on his feet, though you can see it costs him. “You told me in the mirror room that hiding the painting did not make it mine,” he says. “You were right. I have been trying all night to be the kind of man who hears that and stays standing.”", "Lucien sigue de pie, aunque se nota que le cuesta. —En la sala de los espejos me dijiste que esconder el cuadro no lo hizo mío —dice—. Tenías razón. Llevo toda la noche intentando ser de los que oyen eso y siguen de pie.")}
}
{
- collector == "lied":
    {t("“You lied for us,” Diana says from the glass. “Thank you. The house will not thank you; it remembers lies, it cannot help it. But I do.”", "—Mentiste por nosotros —dice Diana desde el cristal—. Gracias. La casa no te lo agradecerá: recuerda las mentiras, no lo puede evitar. Pero yo sí.")}
- collector == "truth":
    {t("“You told him the truth,” Diana says from the glass, “and the truth had a notary. I did not know it could. I have been hiding from the wrong thing for a year.”", "—Le dijiste la verdad —dice Diana desde el cristal—, y resulta que la verdad tenía notaria. No sabía que eso fuera posible. Llevo un año escondiéndome de lo que no era.")}
- else:
    {t("“You gave me the answer,” Diana says from the glass, still breathless. “Nobody has handed me anything but tea in a year. I said it to his face. Well, to his absence of a face. It is a start.”", "—Me pasaste la respuesta a mí —dice Diana desde el cristal, todavía sin aliento—. En un año nadie me ha pasado nada más que té. Se lo he dicho a la cara. Bueno, a su falta de reflejo. Es un comienzo.")}
}
+ [{t("“What now?”", "—¿Y ahora qué?")} #emo:direct+1] -> c7_07
+ [{t("Sit down with them, in the quiet", "Sentarte con ellos, en silencio")} #emo:empath+1] -> c7_07

=== c7_07 ===
{t("“Now,” Diana says, “the house has seen me stand up to something. It will want to know if I can go further. So will I. Come to the door in the mirror room, the one with no handle. If it knows you well enough, it will open.”", "—Ahora —dice Diana— la casa me ha visto plantarle cara a algo. Querrá saber si puedo ir más lejos. Yo también. Ven a la puerta de la sala de los espejos, la que no tiene picaporte. Si te conoce lo bastante, se abrirá.")} #scene:7_07
{t("You climb the east stair together, Lucien carrying the candle. At the top, the door waits in its wall of glass, and the hollow in its centre is shaped like a heartbeat.", "Subís juntos la escalera del este, con Lucien llevando la vela. Arriba, la puerta espera en su pared de cristal, y el hueco del centro tiene forma de latido.")}
~ reward(25)
+ [{t("Lay your palm in the hollow", "Posar la palma en el hueco")}] -> resonance_gate

// ───────────────────────── Resonance gate ─────────────────────────
=== resonance_gate ===
{ resonance >= 0.55: -> chapter_8 }
{t("The door stays cool under your hand, like a window on a winter morning. Not cold; cool. It is listening.", "La puerta sigue fresca bajo tu mano, como una ventana una mañana de invierno. No fría: fresca. Está escuchando.")} #scene:gate_resonance #gate:resonance:0.55
{t("“It does not know you well enough yet,” Lucien says gently. “It learns from what you give it: your own words when someone asks you something, the choices you make as yourself, the nights you come back. It is not a test you can cram for. Come back tomorrow, and the night after. It warms.”", "—Todavía no te conoce lo bastante —dice Lucien con suavidad—. Aprende de lo que le das: tus propias palabras cuando alguien te pregunta algo, las decisiones que tomas siendo tú, las noches que vuelves. No es un examen que se pueda preparar de un tirón. Vuelve mañana, y pasado. Se va templando.")}
+ [{t("Try the door again", "Probar la puerta otra vez")}] -> resonance_gate
