// ───────────────────────── Chapter 5: The Mirror Room (VIP) ─────────────────────────
=== chapter_5 ===
{ not vip(): -> vip_gate }
{t("Chapter 5 · The Mirror Room", "Capítulo 5 · La sala de los espejos")} #chapter:5 #title
-> c5_01

=== c5_01 ===
{t("The east stair is narrow and smells of dust and linseed oil. At the top, a round room: no windows, no furniture, only mirrors, a hundred of them at least, of every size and age, hung so close that the walls are nothing but glass. In each one, a candle you did not light.", "La escalera del este es estrecha y huele a polvo y a aceite de linaza. Arriba, una sala redonda: sin ventanas, sin muebles, solo espejos, por lo menos cien, de todos los tamaños y épocas, colgados tan juntos que las paredes no son más que cristal. En cada uno, una vela que no has encendido.")} #scene:5_01
{t("In the centre of the room stands an easel, and on the easel a canvas under grey silk, the twelfth silk, the one missing from the gallery.", "En el centro de la sala hay un caballete, y en el caballete un lienzo bajo una seda gris: la duodécima seda, la que faltaba en la galería.")}
+ [{t("Wait for Lucien", "Esperar a Lucien")} #emo:persistent+1] -> c5_02
+ [{t("Walk slowly round the easel", "Rodear despacio el caballete")} #emo:explorer+1] -> c5_01_round

=== c5_01_round ===
{t("As you circle the easel, the hundred reflections circle with you, and you notice that not all of them keep pace. Some lag a step behind. One, very old and spotted, walks the other way round.", "Mientras rodeas el caballete, los cien reflejos lo rodean contigo, y te das cuenta de que no todos van al mismo paso. Algunos se retrasan. Uno, muy viejo y lleno de manchas, da la vuelta en sentido contrario.")} #scene:5_01b
+ [{t("Stop and wait for Lucien", "Pararte y esperar a Lucien")}] -> c5_02

=== c5_02 ===
{t("Lucien comes in without his gloves. It is the first time you have seen his hands. They are stained to the wrist with old paint, blue in the creases, ochre under the nails, the colours of years and not of an afternoon.", "Lucien entra sin guantes. Es la primera vez que le ves las manos. Las tiene manchadas hasta la muñeca de pintura vieja, azul en los pliegues, ocre bajo las uñas: colores de años, no de una tarde.")} #scene:5_02 #consequence:initials #consequence:brush
{
- initials == "memorised":
    {t("“You memorised my initials the first night you saw them,” he says. “I watched you do it. You moved your lips.”", "—Memorizaste mis iniciales la primera noche que las viste —dice—. Te vi hacerlo. Movías los labios.")}
- initials == "asked":
    {t("“You asked me straight out whether they were mine,” he says, “and I lied to you, badly. I have been ashamed of it since. Not of the lie. Of how badly.”", "—Me preguntaste a la cara si eran mías —dice—, y te mentí, y mal. Me ha dado vergüenza desde entonces. No la mentira. Lo mal que la dije.")}
- else:
    {t("“You pretended not to see my initials on the frame,” he says. “I noticed. It was a kindness, and I was not used to kindness, so I went upstairs and was rude to the teapot.”", "—Hiciste como que no veías mis iniciales en el marco —dice—. Me di cuenta. Fue un gesto amable, y yo no estaba acostumbrado a eso, así que subí y fui grosero con la tetera.")}
}
{t("“L. M. V. Lucien Marcel Valmont. I painted every portrait in this house. The gallery, the hall, the countess she is supposed to be finishing. Diana has not painted a face in a year. I have painted nothing else.”", "—L. M. V. Lucien Marcel Valmont. Pinté todos los retratos de esta casa. Los de la galería, los del vestíbulo, el de la condesa que se supone que ella está terminando. Diana no ha pintado una cara en un año. Yo no he pintado otra cosa.")}
{
- brush == "shown":
    {t("“She told me you brought her my brush,” he adds. “She said you did not even wipe the earth off it first. She sounded pleased. Keep it a little longer.”", "—Me dijo que le llevaste mi pincel —añade—. Que ni siquiera le quitaste la tierra. Parecía contenta. Guárdalo un poco más.")}
- brush == "lucien":
    ~ trust += 1
    {t("You hold out the brush, still in its oilcloth, wrapped exactly as you found it. He takes it the way you would take back a letter you had written and never sent. “You did not keep it,” he says. “You could have. Thank you.”", "Le tiendes el pincel, todavía en su hule, envuelto tal como lo encontraste. Él lo coge como se recupera una carta que uno escribió y nunca mandó. —No te lo quedaste —dice—. Podías haberlo hecho. Gracias.")}
- else:
    {t("His eyes go to your coat pocket, where the brush makes a shape. “And you have my brush,” he says. “You have not mentioned it. I have been waiting all day for you to mention it.”", "Los ojos se le van al bolsillo de tu abrigo, donde el pincel abulta. —Y tienes mi pincel —dice—. No lo has mencionado. Llevo todo el día esperando a que lo menciones.")}
}
+ [{t("“And Diana?”", "—¿Y Diana?")} #emo:direct+1] -> c5_03
+ [{t("“Why hide that you paint?”", "—¿Por qué esconder que pintas?")} #emo:empath+1] -> c5_03

=== c5_03 ===
{t("“Diana is real,” he says. “Please do not doubt that. She paints as nobody else does, and she taught me everything I can do, which is perhaps a third of what she can. But the muse the city adores, the mysterious woman who vanished, the legend people climb the wall to glimpse: that is a story. We wrote it together, she and I, to keep her safe.”", "—Diana es real —dice—. No lo dudes, por favor. Pinta como nadie, y me enseñó todo lo que sé hacer, que será un tercio de lo que sabe ella. Pero la musa que adora la ciudad, la mujer misteriosa que desapareció, la leyenda que la gente intenta ver saltando el muro: eso es una historia. La escribimos juntos, ella y yo, para protegerla.")} #scene:5_03
{t("“From a man named Aubrac. He had her paint him. He did not like what she saw. Since then he has wanted to own everything she makes, so that nobody else can see it either. If the city believes she is gone, there is nothing to buy.”", "—De un hombre que se llama Aubrac. Le encargó un retrato. No le gustó lo que ella vio. Desde entonces quiere ser dueño de todo lo que ella hace, para que nadie más pueda verlo tampoco. Si la ciudad cree que se ha ido, no hay nada que comprar.")}
+ [{t("“The man with the good coat.”", "—El señor del abrigo bueno.")} #emo:explorer+1] -> c5_04
+ [{t("“You have been protecting her alone all this time.”", "—Has estado protegiéndola sin ayuda todo este tiempo.")} #emo:empath+2]
    ~ trust += 1
    -> c5_04

=== c5_04 ===
{t("Before he can answer, the mirrors begin to fog, one after another, as if the room had started to breathe. Round the walls it goes, glass after glass, until you are standing in a cloud the shape of a room.", "Antes de que pueda contestar, los espejos empiezan a empañarse, uno tras otro, como si la sala se hubiera puesto a respirar. Va dando la vuelta a las paredes, cristal tras cristal, hasta que te encuentras dentro de una nube con forma de habitación.")} #scene:5_04
+ [{t("Write on the fog with your finger", "Escribir sobre el vaho con el dedo")} #emo:poet+2] -> c5_05
+ [{t("Look for whatever is causing it", "Buscar qué lo provoca")} #emo:explorer+2] -> c5_04_cause

=== c5_04_cause ===
{t("There is no draught, no steam, no fire. The fog is on the inside of the glass. Something on the far side of every mirror is breathing on it, patiently, all at once.", "No hay corriente, ni vapor, ni fuego. El vaho está por dentro del cristal. Algo, al otro lado de cada espejo, lo está empañando con el aliento, con paciencia, todo a la vez.")} #scene:5_04b
+ [{t("Step back", "Dar un paso atrás")}] -> c5_05

=== c5_05 ===
{t("Letters appear on the largest mirror, in a hand that is not yours and not Lucien's: careful, old-fashioned, the hand of someone who learned to write with a dip pen.", "En el espejo más grande aparecen letras, con una caligrafía que no es la tuya ni la de Lucien: cuidadosa, antigua, la letra de alguien que aprendió a escribir con plumilla.")} #scene:5_05
{t("“Whoever lifts the silk must choose what to keep.”", "«Quien levante la seda deberá elegir qué conservar».")}
{t("Lucien reads it and closes his eyes. “The house says that to everyone who comes this far,” he says. “Nobody has ever asked what it means. I have never dared to.”", "Lucien lo lee y cierra los ojos. —La casa se lo dice a todo el que llega hasta aquí —dice—. Nadie ha preguntado nunca qué significa. Yo nunca me he atrevido.")}
+ [{t("Lift the silk", "Levantar la seda")} #emo:direct+2 #branch:silk]
    ~ silk = "lifted"
    -> c5_06
+ [{t("Ask Lucien's permission first", "Pedirle permiso a Lucien")} #emo:empath+1 #branch:silk]
    ~ silk = "asked"
    ~ trust += 1
    -> c5_05_asked
+ [{t("Leave the silk alone; it is not yours to lift", "No tocar la seda: no te corresponde levantarla")} #emo:persistent+1 #branch:silk]
    ~ silk = "left"
    -> c5_05_left

=== c5_05_asked ===
{t("“You ask me,” Lucien says, almost to himself. “In her house, about her portrait. Yes. Lift it with me.” He takes one corner of the silk and you take the other, and together you draw it down.", "—Me lo preguntas a mí —dice Lucien, casi para sí—. En su casa, por su retrato. Sí. Levántala conmigo. —Coge una esquina de la seda y tú la otra, y juntos la deslizáis hacia abajo.")} #scene:5_05b
+ [{t("Look", "Mirar")}] -> c5_06

=== c5_05_left ===
{t("“Then I will,” Lucien says. “I hid it. It should be me.” His bare hand shakes on the silk, then steadies, and he draws it down in one movement, like a man pulling off a bandage.", "—Entonces lo haré yo —dice Lucien—. Yo lo escondí. Me toca a mí. La mano desnuda le tiembla sobre la seda, luego se le calma, y la retira de un solo gesto, como quien se arranca una venda.")} #scene:5_05c
+ [{t("Look", "Mirar")}] -> c5_06

=== c5_06 ===
{t("The portrait shows no face. It shows a door, painted in the dark green of the door at the top of the stairs, standing half open. And through the gap, from the other side, reaches a hand: open, palm up, waiting to be taken.", "El retrato no muestra ninguna cara. Muestra una puerta, pintada del mismo verde oscuro que la de lo alto de la escalera, entreabierta. Y por la abertura, desde el otro lado, asoma una mano: abierta, con la palma hacia arriba, esperando que alguien la coja.")} #scene:5_06
{t("It is the best thing you have ever seen painted. It is also, somehow, terrible, because the hand has been waiting for a very long time.", "Es lo mejor que has visto pintado en tu vida. Y a la vez, no sabes cómo, es terrible, porque esa mano lleva muchísimo tiempo esperando.")}
+ [{t("Study the hand", "Estudiar la mano")} #emo:explorer+1] -> c5_07
+ {resonance >= 0.3 || arch_poet >= 0.45} [{t("Because the house has begun to know you: recognise the hand as your own", "Como la casa ya ha empezado a conocerte: reconocer que la mano es la tuya")} #sig:poet #emo:poet+2]
    ~ closeness += 1
    -> c5_06_own

=== c5_06_own ===
{t("It is your hand. You know it the way you know your own handwriting: the particular crook of the little finger, the scar on the thumb you got as a child and have never thought about since. Diana painted it a year ago, before she had ever heard of you.", "Es tu mano. Lo sabes como se reconoce la propia letra: la curva del meñique, la cicatriz del pulgar que te hiciste en la infancia y en la que nunca has vuelto a pensar. Diana la pintó hace un año, antes de saber siquiera que existías.")} #scene:5_06b
{t("Lucien sees you see it. “Yes,” he says quietly. “I noticed too. On the first night, at the gate, when you took the card.”", "Lucien ve que te das cuenta. —Sí —dice en voz baja—. Yo también lo noté. La primera noche, en la verja, cuando cogiste la tarjeta.")}
+ [{t("Turn to him", "Volverte hacia él")}] -> c5_07

=== c5_07 ===
{t("“It is the hand of whoever earns her trust,” Lucien says. “She painted it not knowing whose it was. When I saw it, I took it down and hid it, because I was afraid. Not that someone would come. That it would never be mine.”", "—Es la mano de quien se gane su confianza —dice Lucien—. La pintó sin saber de quién era. Cuando la vi, descolgué el cuadro y lo escondí, porque tuve miedo. No de que alguien viniera. De que nunca fuera la mía.")} #scene:5_07
{t("He is not looking at you. He is looking at the painted hand, as if it might close.", "No te mira. Mira la mano pintada, como si pudiera cerrarse.")}
+ [{t("Put a hand on his shoulder", "Ponerle una mano en el hombro")} #emo:empath+2 #branch:lucien_answer]
    ~ lucien_answer = "comfort"
    ~ trust += 2
    -> c5_07_comfort
+ [{t("Tell him the truth plainly: hiding it did not make it his", "Decirle la verdad sin rodeos: esconderla no la hizo suya")} #emo:direct+2 #branch:lucien_answer]
    ~ lucien_answer = "truth"
    ~ trust += 1
    -> c5_07_truth

=== c5_07_comfort ===
{t("He stiffens under your hand, and then, slowly, he does not. “I have not been touched kindly in a year,” he says, in the tone of a man reading out a fact from a ledger. “I had not noticed. Isn't that odd.”", "Se pone rígido bajo tu mano y luego, despacio, deja de estarlo. —Hace un año que nadie me toca con cariño —dice, en el tono de quien lee un dato en un libro de cuentas—. No me había dado cuenta. Qué raro, ¿verdad?")} #scene:5_07b
+ [{t("Stay beside him", "Quedarte a su lado")}] -> c5_08

=== c5_07_truth ===
{t("He flinches as though you had opened a window on him in winter. Then he nods. “No,” he says. “It did not. It made it nobody's. That was the worst thing I could have done to her, and I did it out of love. Thank you for not pretending otherwise.”", "Se estremece como si le hubieras abierto una ventana en pleno invierno. Luego asiente. —No —dice—. No la hizo mía. La hizo de nadie. Es lo peor que podía hacerle, y lo hice por amor. Gracias por no fingir lo contrario.")} #scene:5_07c
+ [{t("Let the words stand", "Dejar que las palabras se queden")}] -> c5_08

=== c5_08 ===
{t("Diana's voice comes from every mirror at once, a hundred Dianas speaking softly in a round room.", "La voz de Diana sale de todos los espejos a la vez: cien Dianas hablando en voz baja en una sala redonda.")} #scene:5_08
{t("“Lucien. Enough hiding. For both of us.”", "—Lucien. Basta de esconderse. Los dos.")}
{
- silk == "lifted":
    {t("“And you, who lifted my silk without asking anybody: the house meant what it wrote. You will have to choose what to keep. Not tonight. But you will.”", "—Y tú, que has levantado mi seda sin pedir permiso a nadie: la casa iba en serio. Tendrás que elegir qué conservar. Esta noche no. Pero tendrás que hacerlo.")}
- silk == "asked":
    {t("“And you asked him. In my house. You have no idea what that means to him. Or to me. The house will still ask you to choose what to keep, one day. You will choose well; you already know how to ask.”", "—Y se lo has pedido a él. En mi casa. No sabes lo que eso significa para él. Ni para mí. Algún día la casa te pedirá igualmente que elijas qué conservar. Elegirás bien: ya sabes pedir.")}
- else:
    {t("“And you let him lift it himself. That was the right thing and the hard thing, and they are so rarely the same. The house will still ask someone to choose what to keep. I think it will be you.”", "—Y dejaste que la levantara él. Era lo correcto y lo difícil, y casi nunca coinciden. La casa seguirá pidiendo a alguien que elija qué conservar. Creo que será a ti.")}
}
+ [{t("Listen to the mirrors", "Escuchar a los espejos")}] -> c5_09

=== c5_09 ===
{t("The fog clears from the glass as quickly as it came. Lucien takes something from inside his coat: the silver mask from the garden, warm from being carried close.", "El vaho se retira del cristal tan deprisa como vino. Lucien saca algo de dentro del abrigo: la máscara de plata del jardín, tibia de llevarla junto al pecho.")} #scene:5_09
{t("“She asked me to give you this,” he says. “She will see you without a mask only when she can feel who you are. Not what you do. Who you are. Until then, wear this when you go up. It is easier for her if you are hiding a little too.”", "—Me pidió que te diera esto —dice—. Solo te verá sin máscara cuando sienta quién eres. No lo que haces. Quién eres. Hasta entonces, póntela cuando subas. A ella le resulta más fácil si tú también te escondes un poco.")}
~ unlock("silver_mask")
+ [{t("Take the mask", "Tomar la máscara")}] -> c5_10

=== c5_10 ===
{t("At the far side of the mirror room, where you were sure there was only glass, there is a door. It has no handle and no lock. In its centre is a shallow hollow, about the size of a palm, shaped, if you look at it long enough, like a heartbeat drawn on paper.", "Al otro lado de la sala, donde habrías jurado que solo había cristal, hay una puerta. No tiene picaporte ni cerradura. En el centro tiene un hueco poco profundo, del tamaño de una palma, con forma, si lo miras un rato, de un latido dibujado en un papel.")} #scene:5_10
{t("“That is the last door in the house,” Lucien says. “Her studio. It opens for the hand in the painting, and only when the house is sure. Not yet. First she wants you to read her letter. Tomorrow. I will bring the tea.”", "—Es la última puerta de la casa —dice Lucien—. Su estudio. Se abre para la mano del cuadro, y solo cuando la casa está segura. Todavía no. Antes quiere que leas su carta. Mañana. Yo llevaré el té.")}
~ reward(25)
+ [{t("Lay your palm in the hollow anyway, just for a moment", "Poner la palma en el hueco de todos modos, solo un momento")} #emo:persistent+1] -> chapter_6
+ [{t("“Tomorrow, then.”", "—Mañana, entonces.")}] -> chapter_6
